"""Date columns become year, month, day-of-week (and hour) features, alike at train and predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import gradlab as gl


def _weather(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    days = pd.date_range("2012-01-01", periods=n, freq="3D")
    rain = rng.gamma(1.0, 3.0, n).round(1)
    return pd.DataFrame(
        {"date": days.strftime("%Y-%m-%d"), "rain": rain, "kind": np.where(rain > 3, "wet", "dry")}
    )


def test_a_date_column_becomes_its_parts(tmp_path: Path) -> None:
    frame = _weather()
    model = gl.tabular.fit(frame, target="kind", epochs=2, validation_split=0, dtype="float64")
    assert model.input_names == ["date_year", "date_month", "date_day_of_week", "rain"]
    notes = model.metadata["training"]["notes"]
    assert "column 'date' read as dates: features date_year, date_month, date_day_of_week" in notes
    # The oracle: pandas' own calendar, standardised with NumPy's population statistics.
    when = pd.to_datetime(frame["date"])
    X, _ = model.transform(frame)
    for column, values in enumerate([when.dt.year, when.dt.month, when.dt.day_of_week]):
        values = values.to_numpy(float)
        expected = (values - values.mean()) / (values.std() if values.std() > 0 else 1.0)
        np.testing.assert_allclose(X[:, column], expected, atol=1e-9)
    model.save(tmp_path / "m")
    again = gl.tabular.load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_proba(frame), model.predict_proba(frame))


def test_dates_of_one_day_a_year_give_only_the_year() -> None:
    # Model years written as dates (vega_datasets' cars): every date is 1 January.
    rng = np.random.default_rng(4)
    years = rng.integers(1970, 1983, 60)
    frame = pd.DataFrame(
        {"Year": [f"{year}-01-01" for year in years], "kind": np.where(years > 1976, "new", "old")}
    )
    model = gl.tabular.fit(frame, target="kind", epochs=1, validation_split=0, dtype="float64")
    assert model.input_names == ["Year_year"]
    X, _ = model.transform(frame)
    np.testing.assert_allclose(X[:, 0], (years - years.mean()) / years.std(), atol=1e-9)
