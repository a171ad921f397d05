"""The consortium directory: which income-maintenance consortium serves each Wisconsin county.

The IVR tells callers from other counties whom to call; later the transfer feature uses the same
directory to refuse transfers to another consortium and give the caller its number instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from ccc_telephony.config.policy import PolicyError, format_errors

PhoneNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
CountyName = Annotated[str, StringConstraints(min_length=2, max_length=40)]


class Consortium(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    name: Annotated[str, StringConstraints(min_length=2, max_length=80)]
    phone: PhoneNumber
    counties: list[CountyName]


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    counties: dict[Annotated[int, "county code"], CountyName]
    home: str
    consortia: list[Consortium]

    @model_validator(mode="after")
    def _every_county_served_once(self) -> Directory:
        problems: list[str] = []
        known = set(self.counties.values())
        served: dict[str, str] = {}
        for consortium in self.consortia:
            for county in consortium.counties:
                if county not in known:
                    problems.append(f"consortia.{consortium.id}: unknown county {county!r}")
                elif county in served:
                    problems.append(
                        f"consortia.{consortium.id}: county {county!r} already served by "
                        f"{served[county]}"
                    )
                served[county] = consortium.id
        problems += [
            f"counties: {name!r} is served by no consortium" for name in known - served.keys()
        ]
        if self.home not in {c.id for c in self.consortia}:
            problems.append(f"home: {self.home!r} is not a consortium id")
        if any(not 1 <= code <= 999 for code in self.counties):
            problems.append("counties: codes must be 1 to 999")
        if problems:
            raise ValueError("; ".join(sorted(problems)))
        return self

    def consortium_for_code(self, code: int) -> tuple[str, Consortium] | None:
        """The county's name and the consortium serving it, or None for an unknown code."""
        county = self.counties.get(code)
        if county is None:
            return None
        return county, self.serving(county)

    def serving(self, county: str) -> Consortium:
        return next(c for c in self.consortia if county in c.counties)

    @property
    def home_consortium(self) -> Consortium:
        return next(c for c in self.consortia if c.id == self.home)


def load_directory(path: Path) -> Directory:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping at the top level")
    try:
        return Directory.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"{path}: invalid consortium directory:\n{format_errors(exc)}") from None
