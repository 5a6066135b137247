"""Numbers written with decimal commas or thousands separators, read alike at train and predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gradlab as gl
from gradlab.tabular.numbers import normalise


def _penguins_like(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    bill = rng.normal(44, 5, n).round(1)
    mass = rng.normal(4200, 700, n).round(0)
    species = np.where(bill + (mass - 4200) / 500 > 44, "Gentoo", "Adelie")
    return pd.DataFrame({"bill": bill, "mass": mass, "species": species})


def test_decimal_commas_with_thousands_points_train_and_predict_alike(tmp_path: Path) -> None:
    frame = _penguins_like()
    text = frame.assign(
        bill=[f"{v:.1f}".replace(".", ",") for v in frame["bill"]],
        mass=[f"{int(v):,}".replace(",", ".") for v in frame["mass"]],
    )
    path = tmp_path / "p.csv"
    text.to_csv(path, sep=";", index=False)
    model = gl.tabular.fit(path, target="species", epochs=2, validation_split=0)
    assert model.input_names == ["bill", "mass"]
    bill, mass = model.preprocessing.features
    # The oracle: the numbers as written before formatting, averaged by NumPy.
    assert bill.mean == pytest.approx(frame["bill"].mean(), abs=1e-9)
    assert mass.mean == pytest.approx(frame["mass"].mean(), abs=1e-6)
    assert mass.number_format == "1.234,5"
    notes = " ".join(model.metadata["training"]["notes"])
    assert "decimal commas" in notes
    np.testing.assert_array_equal(model.predict_proba(path), model.predict_proba(frame))


def test_thousands_commas_in_a_comma_file() -> None:
    frame = _penguins_like()
    text = frame.assign(mass=[f"{int(v):,}" for v in frame["mass"]])
    model = gl.tabular.fit(text, target="species", epochs=2, validation_split=0)
    assert model.preprocessing.features[1].mean == pytest.approx(frame["mass"].mean(), abs=1e-6)


@pytest.mark.parametrize(
    ("cells", "number_format", "expected"),
    [
        (["3,750", "12,000.5", "7"], "1,234.5", ["3750", "12000.5", "7"]),
        (["39,1", "-2", "1.5"], "1234,5", ["39.1", "-2", "not a number"]),
        (["1.234,5", "2,5", "12.34"], "1.234,5", ["1234.5", "2.5", "not a number"]),
    ],
)
def test_normalise(cells: list[str], number_format: str, expected: list[str]) -> None:
    assert normalise(np.array(cells), number_format).tolist() == expected
