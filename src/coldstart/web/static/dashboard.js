// coldstart dashboard: talks to the JSON API of `coldstart serve`; draws with plotly.js (served
// by the same server). Nothing is loaded from the network.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("coldstart-token") || "", run: null,
                hours: [], playing: null, mapBusy: false, mapWanted: null, runs: [] };
const PLOT_CONFIG = { displaylogo: false, responsive: true, scrollZoom: false };

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (state.token) h["Authorization"] = "Bearer " + state.token;
  return h;
}

function banner(text) {
  const b = $("banner");
  b.textContent = text || "";
  b.hidden = !text;
}

async function api(path, opts) {
  opts = opts || {};
  const init = { method: opts.method || "GET", headers: headers(opts.headers) };
  if (opts.json !== undefined) {
    init.body = JSON.stringify(opts.json);
    init.headers["Content-Type"] = "application/json";
  } else if (opts.body !== undefined) {
    init.body = opts.body;
  }
  const r = await fetch(path, init);
  if (r.status === 401) {
    $("token-form").hidden = false;
    banner(state.token ? "The server refused this token: check it and enter it again."
                        : "This server needs its API token.");
    throw new Error("token needed");
  }
  return r;
}

function detailText(body) {
  if (!body || body.detail === undefined) return "";
  const d = body.detail;
  if (Array.isArray(d)) return d.map((x) => (typeof x === "string" ? x : (x.msg || JSON.stringify(x)))).join("\n");
  return String(d);
}

async function jsonOrError(r) {
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error(detailText(body) || ("HTTP " + r.status));
  return body;
}

// ------------------------------------------------------------------ cities and scenario

async function loadCities(select) {
  const body = await jsonOrError(await api("/api/cities"));
  const sel = $("city");
  const keep = select || sel.value || "demo";
  sel.replaceChildren();
  for (const c of body.cities) {
    const o = document.createElement("option");
    o.value = c.name;
    o.textContent = c.source === "built-in" ? c.name + " (built-in)" : c.name;
    sel.appendChild(o);
  }
  sel.value = keep;
}

function showMessages(items) {
  const box = $("scenario-messages");
  box.replaceChildren();
  for (const [cls, text] of items) {
    const p = document.createElement("div");
    p.className = cls;
    p.textContent = text;
    box.appendChild(p);
  }
}

let checkTimer = null;
let checkSeq = 0;
async function checkScenario() {
  const seq = ++checkSeq;
  try {
    const r = await api("/api/scenarios/check",
      { method: "POST", json: { scenario: $("scenario").value, city: $("city").value } });
    const body = await jsonOrError(r);
    if (seq !== checkSeq) return;
    const items = body.ok ? [["ok", "ok: " + body.summary]] : body.messages.map((m) => ["error", "error: " + m]);
    for (const n of body.notes || []) items.push(["note", "note: " + n]);
    showMessages(items);
  } catch (e) {
    if (seq === checkSeq) showMessages([["error", String(e.message)]]);
  }
}

function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkScenario, 500);
}

async function uploadCity(file) {
  banner("Uploading and checking " + file.name + " …");
  try {
    const r = await api("/api/cities?name=" + encodeURIComponent(file.name.replace(/\.zip$/i, "")),
      { method: "POST", body: file, headers: { "Content-Type": "application/zip" } });
    const body = await jsonOrError(r);
    await loadCities(body.name);
    banner("City " + body.name + " added.");
    scheduleCheck();
  } catch (e) {
    banner("Upload refused: " + e.message);
  }
}

// ------------------------------------------------------------------ runs

function setProgress(p, text) {
  $("run-progress").value = p;
  $("run-progress-text").textContent = text;
}

async function startRun() {
  const seedText = $("seed").value.trim();
  const payload = { city: $("city").value, scenario: $("scenario").value };
  if (seedText !== "") payload.seed = Number(seedText);
  $("run").disabled = true;
  setProgress(0, "queued");
  try {
    const body = await jsonOrError(await api("/api/runs", { method: "POST", json: payload }));
    const final = await follow(body.run_id);
    await refreshRuns();
    if (final && final.status === "done") await openRun(body.run_id);
  } catch (e) {
    setProgress(0, "refused");
    showMessages(e.message.split("\n").map((m) => ["error", "error: " + m]));
  } finally {
    $("run").disabled = false;
  }
}

function showStatus(s) {
  if (s.status === "failed") setProgress(0, "failed: " + (s.error || ""));
  else if (s.status === "queued") setProgress(0, "queued");
  else setProgress(s.progress, Math.floor(100 * s.progress) + " %");
}

async function follow(runId) {
  // server-sent events read with fetch (EventSource cannot send the token)
  const r = await api("/api/runs/" + runId + "/progress");
  if (!r.ok || !r.body) return jsonOrError(r);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of chunk.split("\n")) {
        if (line.startsWith("data:")) {
          last = JSON.parse(line.slice(5));
          showStatus(last);
        }
      }
    }
  }
  return last;
}

function fmt(v, digits) {
  if (v === null || v === undefined) return "–";
  return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits || 0 });
}

function runLabel(r) {
  return (r.city || "?") + " · seed " + (r.seed ?? (r.request && r.request.seed) ?? "?") +
    " · " + (r.policy || "") + " · " + r.id.slice(0, 8);
}

async function refreshRuns() {
  const body = await jsonOrError(await api("/api/runs"));
  state.runs = body.runs;
  const list = $("run-list");
  list.replaceChildren();
  for (const r of body.runs) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.runId = r.id;
    if (state.run === r.id) b.classList.add("current");
    const st = document.createElement("span");
    st.className = "st " + r.status;
    st.textContent = r.status === "running" ? Math.floor(100 * r.progress) + " %" : r.status;
    const name = document.createElement("span");
    name.textContent = (r.scenario_name || "run") + (r.has_files === false ? " (store only)" : "");
    const meta = document.createElement("span");
    meta.className = "meta";
    const f = r.figures || {};
    meta.textContent = runLabel(r) + (f.person_hours_below_12c !== undefined
      ? " · " + fmt(f.person_hours_below_12c) + " person-h below 12 °C" : "");
    b.append(st, name, meta);
    b.addEventListener("click", () => openRun(r.id));
    li.appendChild(b);
    list.appendChild(li);
  }
  fillCompare(body.runs.filter((r) => r.status === "done" && r.has_files));
}

function fillCompare(runs) {
  for (const [id, pick] of [["compare-a", 0], ["compare-b", 1]]) {
    const sel = $(id);
    const keep = sel.value;
    sel.replaceChildren();
    for (const r of runs) {
      const o = document.createElement("option");
      o.value = r.id;
      o.textContent = runLabel(r);
      sel.appendChild(o);
    }
    if (keep && runs.some((r) => r.id === keep)) sel.value = keep;
    else if (runs.length > pick) sel.value = runs[pick].id;
  }
  const a = $("compare-a"), b = $("compare-b");
  if (a.value && a.value === b.value) {  // two different runs when there are two
    const other = runs.find((r) => r.id !== a.value);
    if (other) b.value = other.id;
  }
}

// ------------------------------------------------------------------ one run: story, map, timeline

async function openRun(runId) {
  stopPlay();
  state.run = runId;
  $("run-view").hidden = false;
  for (const b of document.querySelectorAll("#run-list button")) {
    b.classList.toggle("current", b.dataset.runId === runId);
  }
  $("run-title").textContent = "Run " + runId.slice(0, 8);
  $("headline").textContent = "";
  $("file-frame").hidden = true;
  $("story").replaceChildren();
  const view = await api("/api/runs/" + runId + "/view");
  if (view.ok) {
    const v = await view.json();
    $("headline").innerHTML = "<p>" + v.lead + "</p>" + v.more.map((s) => "<p>" + s + "</p>").join("");
    $("story").innerHTML = v.story.map((s) => "<p><strong>" + s.heading + ".</strong> " + s.html + "</p>").join("");
  } else {
    $("headline").textContent = "This run was done by coldstart sweep: its figures are in the run list; no map.";
  }
  await Promise.all([loadMap(runId), loadTimeline(runId), loadFiles(runId)]);
}

async function loadFiles(runId) {
  const box = $("files");
  box.replaceChildren();
  const r = await api("/api/runs/" + runId + "/files");
  if (!r.ok) return;
  const body = await r.json();
  box.append("Files: ");
  for (const name of body.files) {
    if (!/\.(html|csv|json|toml|gpkg|parquet|ics)$/.test(name)) continue;
    const a = document.createElement("a");
    a.textContent = name;
    a.href = "#";
    a.addEventListener("click", (ev) => { ev.preventDefault(); openFile(runId, name); });
    box.append(a, " ");
  }
}

async function openFile(runId, name) {
  const path = "/api/runs/" + runId + "/files/" + encodeURIComponent(name);
  if (name.endsWith(".html")) {  // shown in a sandboxed frame: its scripts never see the token
    await showPage($("file-frame"), path);
    $("file-frame").scrollIntoView({ block: "start" });
    return;
  }
  const r = await api(path);
  const blob = await r.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function loadTimeline(runId) {
  const r = await api("/api/runs/" + runId + "/timeline/figure");
  if (!r.ok) { $("timeline").textContent = "No timeline."; return; }
  const fig = await r.json();
  if (state.run !== runId) return;
  // the report's figure puts its legend under the panels: room for it inside the figure
  const extra = window.innerWidth < 600 ? 260 : 120;
  const layout = Object.assign(fig.layout, { autosize: true });
  layout.height = (layout.height || 900) + extra;
  layout.margin = Object.assign({}, layout.margin, { b: ((layout.margin || {}).b || 40) + extra });
  $("timeline").style.height = layout.height + "px";
  await Plotly.react($("timeline"), fig.data, layout, PLOT_CONFIG);
}

async function loadMap(runId) {
  const slider = $("slider");
  const r = await api("/api/runs/" + runId + "/buildings?hour=1");
  if (!r.ok) {
    Plotly.purge($("map"));
    $("map").textContent = "No hourly temperatures for this run (run it here to see the map).";
    slider.disabled = true;
    $("play").disabled = true;
    return;
  }
  $("map").textContent = "";
  const body = await r.json();
  state.hours = body.hours;
  slider.min = 0;
  slider.max = Math.max(body.hours.length - 1, 0);
  slider.value = 0;
  slider.disabled = false;
  $("play").disabled = false;
  await drawMap(runId, body.hours[0] || 0);
}

async function drawMap(runId, hour) {
  if (state.mapBusy) { state.mapWanted = hour; return; }
  state.mapBusy = true;
  try {
    const r = await api("/api/runs/" + runId + "/map?hour=" + hour);
    const fig = await jsonOrError(r);
    if (state.run !== runId) return;
    const narrow = window.innerWidth < 600;  // a phone: legend and colour bar would hide the map
    const layout = Object.assign(fig.layout, { autosize: true, showlegend: !narrow });
    if (narrow) {
      layout.margin = { l: 44, r: 6, t: 36, b: 40 };
      for (const t of fig.data) {
        if (t.marker && t.marker.colorbar) {
          Object.assign(t.marker.colorbar, { orientation: "h", x: 0.5, xanchor: "center",
            y: -0.18, yanchor: "top", len: 1, thickness: 10, title: { text: "indoor °C", side: "top" } });
        }
      }
    }
    const config = Object.assign({}, PLOT_CONFIG, { displayModeBar: !narrow });
    await Plotly.react($("map"), fig.data, layout, config);
    $("map").dataset.hour = String(hour);
    $("hour-label").textContent = "after " + hour + " h";
  } finally {
    state.mapBusy = false;
  }
  if (state.mapWanted !== null) {
    const next = state.mapWanted;
    state.mapWanted = null;
    if (next !== hour) await drawMap(runId, next);
  }
}

function sliderHour() {
  return state.hours[Number($("slider").value)] || 0;
}

function stopPlay() {
  if (state.playing) clearInterval(state.playing);
  state.playing = null;
  $("play").textContent = "▶ Play";
  $("play").setAttribute("aria-label", "play");
}

function togglePlay() {
  if (state.playing) { stopPlay(); return; }
  const slider = $("slider");
  if (Number(slider.value) >= Number(slider.max)) slider.value = 0;
  $("play").textContent = "❚❚ Pause";
  $("play").setAttribute("aria-label", "pause");
  state.playing = setInterval(() => {
    if (state.mapBusy) return;
    if (Number(slider.value) >= Number(slider.max)) { stopPlay(); return; }
    slider.value = Number(slider.value) + 1;
    drawMap(state.run, sliderHour());
  }, 600);
}

// ------------------------------------------------------------------ compare and sweeps

async function showPage(frame, path) {
  frame.hidden = false;
  frame.srcdoc = "<p style='font-family:sans-serif'>Loading …</p>";
  const r = await api(path);
  if (!r.ok) {
    let msg = "HTTP " + r.status;
    try { msg = detailText(await r.json()) || msg; } catch (e) { /* not JSON */ }
    frame.srcdoc = "<p style='font-family:sans-serif'></p>";
    banner(msg);
    return;
  }
  frame.srcdoc = await r.text();
}

async function compareRuns() {
  const a = $("compare-a").value, b = $("compare-b").value;
  if (!a || !b) { banner("Pick two finished runs."); return; }
  await showPage($("compare-frame"), "/api/compare?a=" + a + "&b=" + b);
}

async function startSweep() {
  const policies = [...document.querySelectorAll("#policies input:checked")].map((x) => x.value);
  const payload = { city: $("city").value, scenario: $("scenario").value,
                    n_seeds: Number($("sweep-seeds").value) || 1, policies };
  const status = $("sweep-status");
  $("sweep-go").disabled = true;
  try {
    const body = await jsonOrError(await api("/api/sweeps", { method: "POST", json: payload }));
    status.textContent = body.runs + " runs queued";
    for (;;) {
      const s = await jsonOrError(await api("/api/sweeps/" + body.sweep_id));
      status.textContent = s.status + " · " + (s.runs_stored || 0) + " of " + (s.runs_total || body.runs) + " runs";
      if (s.status === "done" || s.status === "failed") {
        if (s.error) status.textContent += " · " + s.error;
        break;
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
    await showPage($("sweep-frame"), "/api/sweeps/" + body.sweep_id + "/report");
    await refreshRuns();
  } catch (e) {
    status.textContent = "refused: " + e.message;
  } finally {
    $("sweep-go").disabled = false;
  }
}

// ------------------------------------------------------------------ wiring

async function start() {
  try {
    await loadCities();
    await refreshRuns();
    await checkScenario();
  } catch (e) {
    if (e.message !== "token needed") banner(e.message);
  }
}

window.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("coldstart-token", state.token);
    $("token-form").hidden = true;
    banner("");
    start();
  });
  $("scenario").addEventListener("input", scheduleCheck);
  $("city").addEventListener("change", scheduleCheck);
  $("city-zip").addEventListener("change", (ev) => { if (ev.target.files[0]) uploadCity(ev.target.files[0]); });
  $("run").addEventListener("click", startRun);
  $("slider").addEventListener("input", () => { stopPlay(); drawMap(state.run, sliderHour()); });
  $("play").addEventListener("click", togglePlay);
  $("compare-go").addEventListener("click", compareRuns);
  $("sweep-go").addEventListener("click", startSweep);
  start();
});
