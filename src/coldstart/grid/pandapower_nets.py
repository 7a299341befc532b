"""Load a pandapower net: a JSON file, a MATPOWER case, a pandapower network, a SimBench code.

Everything here works offline: pandapower ships its example networks and the power system test
cases (``case1354pegase``, ``case9241pegase``, ...) as files, and the ``simbench`` package ships
the SimBench data set.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandapower as pp

from coldstart.errors import InputError, Problem
from coldstart.grid.ppjson import read_pandapower_json
from coldstart.safeio import lexists, read_bytes

SIMBENCH_CODE = re.compile(r"^\d+-[A-Za-z_]+-[A-Za-z0-9_]+-[A-Za-z0-9.]*-\d+-(sw|no_sw)$")
"""Shape of a SimBench code: version, voltage levels, type, lower-level grid (empty for a grid of
one voltage level), scenario and switch representation, e.g. ``1-MVLV-urban-5.303-0-sw``,
``1-MV-urban--0-sw``, ``1-LV-rural1--0-sw``, ``1-complete_data-mixed-all-0-sw`` (SimBench
documentation, "SimBench code"; ``simbench.collect_all_simbench_codes``). Which codes exist
is simbench's to say (:func:`simbench_codes`)."""

LOAD_MODEL_COLUMNS = (
    "const_z_p_percent",
    "const_i_p_percent",
    "const_z_q_percent",
    "const_i_q_percent",
)
"""ZIP load-model columns of pandapower 3.x loads (0 = constant power)."""


class NetworkError(InputError):
    """A network name, file or code that cannot be loaded."""


def fix_load_models(net: pp.pandapowerNet) -> pp.pandapowerNet:
    """Fill empty ZIP load-model columns with 0 (constant power), in place; return the net.

    SimBench nets and older JSON files carry the load model as ``const_z_percent`` /
    ``const_i_percent`` or leave the pandapower 3.x columns empty (NaN), which current pandapower
    rejects or turns into NaN injections. Old columns, when present, are copied into the new ones.
    """
    load = net.load
    for new in LOAD_MODEL_COLUMNS:
        old = new.replace("_p_", "_").replace("_q_", "_")
        if new not in load.columns:
            load[new] = load[old] if old in load.columns else 0.0
        load[new] = load[new].astype(float).fillna(0.0)
    return net


def simbench_codes() -> tuple[str, ...]:
    """Every SimBench code the installed ``simbench`` package knows, sorted.

    The union of ``simbench.collect_all_simbench_codes()`` in its full and its shortened form
    (both load); the data of every one of them ships with the package, so loading needs no
    network.
    """
    import simbench

    full = simbench.collect_all_simbench_codes()
    return tuple(sorted(set(full) | set(simbench.collect_all_simbench_codes(shortened=True))))


def _simbench_net(code: str) -> pp.pandapowerNet:
    """The SimBench net of ``code`` (a string shaped like :data:`SIMBENCH_CODE`), or a
    :class:`NetworkError` naming the closest known code when simbench does not know it."""
    import simbench

    from coldstart.errors import suggest

    def refuse(why: str) -> NetworkError:
        return NetworkError(Problem(code, "", "", f"not a SimBench code known to simbench{why}"))

    known = simbench_codes()
    if code not in known:
        raise refuse(suggest(code, known))
    try:
        net = simbench.get_simbench_net(code)
    except Exception as exc:  # unknown code parts raise ValueError, KeyError, ...
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise refuse(f": {first}") from None
    if not isinstance(net, pp.pandapowerNet) or net.bus.empty:
        raise refuse(": simbench returned no buses")
    return net


def _pandapower_network(name: str) -> pp.pandapowerNet | None:
    import inspect

    import pandapower.networks as pn

    if not name.isidentifier() or name.startswith("_"):
        return None
    fn = pn.__dict__.get(name)
    # only network builders that pandapower.networks defines, never anything it imports
    if not inspect.isfunction(fn) or not fn.__module__.startswith("pandapower.networks"):
        return None
    try:
        net = fn()
    except TypeError:  # a helper function that needs arguments, not a network
        return None
    return net if isinstance(net, pp.pandapowerNet) else None


MAX_MATPOWER_FIELDS = 64
"""Most ``mpc.NAME = ...`` assignments read from a MATPOWER ``.m`` file. A case has about ten
(version, baseMVA, bus, gen, branch, gencost, bus_name, ...); the reader
(matpowercaseframes) scans the whole file once per assignment, so thousands of them would
take hours."""


def _check_matpower_text(data: bytes, name: str) -> None:
    """Refuse a ``.m`` file the reader would choke on: not UTF-8, too many or repeated
    ``mpc.`` assignments, or a matrix ``[``/cell ``{`` not closed by ``];``/``};`` before the
    next assignment (the reader's lazy pattern would scan to the end of the file for each)."""

    def refuse(msg: str) -> NetworkError:
        return NetworkError(Problem(name, "", "", msg))

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("a MATPOWER .m file must be UTF-8 text") from None
    found = list(re.finditer(r"^\s*mpc\.(\w+)\s*=\s*(\S)", text, flags=re.M))
    if len(found) > MAX_MATPOWER_FIELDS:
        raise refuse(f"{len(found)} 'mpc.' assignments; a case has at most {MAX_MATPOWER_FIELDS}")
    names = [m.group(1) for m in found]
    if len(set(names)) != len(names):
        raise refuse(f"'mpc.{next(n for n in names if names.count(n) > 1)}' is assigned twice")
    ends = [m.start() for m in found[1:]] + [len(text)]
    for m, end in zip(found, ends, strict=True):
        close = {"[": "];", "{": "};"}.get(m.group(2))
        if close and text.find(close, m.end(), end) < 0:
            raise refuse(f"'mpc.{m.group(1)}' is not closed by '{close}'")


def _from_matpower(data: bytes, suffix: str) -> pp.pandapowerNet:
    """Convert a MATPOWER case (``.m`` text or ``.mat``) from its bytes, read once and bounded.

    The readers take a path, so the bytes go to a private temporary file: the user's path is
    opened only by :func:`~coldstart.safeio.read_bytes` (regular file, size cap).
    """
    import tempfile

    from pandapower.converter.matpower.from_mpc import from_mpc

    with tempfile.TemporaryDirectory(prefix="coldstart-mpc-") as tmp:
        case = Path(tmp) / f"case{suffix}"
        case.write_bytes(data)
        return from_mpc(str(case), f_hz=50)


def load_network(source: str | Path) -> pp.pandapowerNet:
    """Load a pandapower net.

    Parameters
    ----------
    source : str or pathlib.Path
        A pandapower JSON file (``.json``), a MATPOWER case file (``.m`` or ``.mat``), the name
        of a network shipped with pandapower (``mv_oberrhein``, ``case1354pegase``, ...) or a
        SimBench code the installed ``simbench`` knows (``1-MVLV-urban-5.303-0-sw``,
        ``1-LV-rural1--0-sw``: :func:`simbench_codes`).

    Returns
    -------
    pandapower.pandapowerNet
        With empty load-model columns filled (:func:`fix_load_models`).

    Raises
    ------
    NetworkError
        When the file cannot be read or the name is not a known network or SimBench code.
    """
    text = str(source)
    path = Path(text)
    suffix = path.suffix.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if suffix in (".json", ".m", ".mat") or lexists(path, NetworkError):
            if suffix not in (".json", ".m", ".mat"):
                raise NetworkError(
                    Problem(
                        text, "", "", "expected a .json (pandapower) or .m/.mat (MATPOWER) file"
                    )
                )
            data = read_bytes(path, "matpower" if suffix != ".json" else "grid", NetworkError)
            if suffix == ".json":
                return fix_load_models(read_pandapower_json(data, text))
            if suffix == ".m":
                _check_matpower_text(data, text)
            try:
                net = _from_matpower(data, suffix)
            except Exception as exc:  # the MATPOWER readers raise many types
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise NetworkError(Problem(text, "", "", f"cannot be read: {first}")) from None
            if not isinstance(net, pp.pandapowerNet):
                raise NetworkError(Problem(text, "", "", "not a pandapower net"))
            return fix_load_models(net)
        if SIMBENCH_CODE.match(text):
            return fix_load_models(_simbench_net(text))
        net = _pandapower_network(text)
    if net is None:
        from coldstart.errors import suggest

        # a misshapen SimBench code ("1-LV-rural1-0-sw") gets the closest one simbench knows
        hint = suggest(text, simbench_codes()) if re.match(r"\d+-", text) else ""
        raise NetworkError(
            Problem(
                text,
                "",
                "",
                "not a file, a network shipped with pandapower (e.g. mv_oberrhein, "
                f"case1354pegase) or a SimBench code (e.g. 1-MVLV-urban-5.303-0-sw){hint}",
            )
        )
    return fix_load_models(net)
