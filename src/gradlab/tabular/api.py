"""`fit`: a table in, a trained `TabularModel` out."""

from __future__ import annotations

from typing import Any

from gradlab.tabular import fitting
from gradlab.tabular.model import TabularModel
from gradlab.tabular.tables import as_table


def fit(data: Any, target: str, *, verbose: int = 0, **options: Any) -> TabularModel:
    """Train a network on a table, as ``gradlab train DATA.csv --target COLUMN`` does.

    Numeric columns are standardised and text columns one-hot encoded, with statistics of the
    training rows; the target's task (classification or regression) is detected; a stratified
    part of the rows is held out for validation; the network is an `gradlab.nn.MLP`.

    Parameters
    ----------
    data : pandas.DataFrame, str or os.PathLike
        The table, or the path of a CSV file (its delimiter detected).
    target : str
        The column to predict.
    verbose : int, default 0
        `gradlab.fit`'s progress output.
    **options
        ``task`` ("auto", "classification", "regression"), ``hidden`` (layer sizes, default
        (64,)), ``activation``, ``optimizer``, ``lr``, ``epochs`` (default: 30, or more on
        small data), ``batch_size``, ``validation_split`` (default 0.2), ``seed``, ``dtype``
        (default "float32"), ``drop_na``.

    Returns
    -------
    TabularModel
        Its `TabularModel.report` gives the scores; `TabularModel.save` writes it.

    Raises
    ------
    DataError
        Data the model cannot learn from, with the reason and the fix.
    """
    chosen = fitting.options_from(options)
    table = as_table(data)
    run = fitting.start(table, target, chosen)
    network, history, seconds = fitting.train(run, verbose=verbose)
    name = str(data) if table.source != "the DataFrame" else "a pandas DataFrame"
    command = fitting.python_command(data, target, chosen)
    return fitting.finish(run, network, history, seconds, name, command)
