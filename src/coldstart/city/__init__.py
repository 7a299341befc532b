"""The city model: grid, heat network, buildings, facilities and assets."""

from coldstart.city.io import load_city, save_city
from coldstart.city.model import TABLES, City
from coldstart.city.schema import table_specs

__all__ = ["City", "TABLES", "load_city", "save_city", "table_specs"]
