"""``alliance plants``: where the Alliance builds."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from ..loader import load_ev, load_plants
from ..options import IncludeOthersOpt, State, completer, with_output
from ..output import Options, emit
from ..queries import plants as q
from ..vocab import FacilityType


class By(enum.StrEnum):
    plant = "plant"
    country = "country"


@with_output(chart=True, columns=q.COLUMNS + q.COUNTRY_COLUMNS)
def plants(
    country: Annotated[list[str] | None, typer.Option(
        "--country", show_default=False, autocompletion=completer("plants", "country"),
        help="Only sites in this country (repeatable; accents and prefixes forgiven).")] = None,
    operator: Annotated[str | None, typer.Option(
        "--operator", show_default=False, help="Only sites run by this company.")] = None,
    type_: Annotated[str | None, typer.Option(
        "--type", show_default=False,
        help="Only this facility type: " + ", ".join(FacilityType) + ".")] = None,
    min_capacity: Annotated[int | None, typer.Option(
        "--min-capacity", show_default=False, metavar="N",
        help="Only vehicle plants with a stated annual capacity of at least N.")] = None,
    city: Annotated[str | None, typer.Option(
        "--city", show_default=False,
        help="Only this place (either of the source's spellings: Tangier or Tangiers).")] = None,
    region: Annotated[str | None, typer.Option(
        "--region", show_default=False,
        help="Only this region or state (Rio de Janeiro, Tennessee, ...).")] = None,
    product: Annotated[str | None, typer.Option(
        "--product", show_default=False,
        help="Only sites that build this model (prefixes and the EV catalogue's aliases "
             "work).")] = None,
    include_others: IncludeOthersOpt = False,
    by: Annotated[By, typer.Option(
        "--by", help="plant: a row per site; country: sites and vehicle capacity per country."
    )] = By.plant,
    *,
    opts: Options,
) -> None:
    """Manufacturing sites, their capacities, products and investments, by country.

    Examples:

      alliance plants --country brazil

      alliance plants --by country

      alliance plants --min-capacity 300000 --sort capacity --desc

      alliance plants --city tangiers -f json

      alliance plants --product micra
    """
    where = State.data_dir()
    models = load_ev(where).models if product is not None else ()
    filters = q.Filters(country or (), operator, type_, min_capacity, city, region, product,
                        include_others)
    query = q.by_country if by is By.country else q.plants
    emit(query(load_plants(where), filters, models), opts)
