"""The column encoding on scikit-learn's transformers, fitted at training and rebuilt from JSON.

A `sklearn.compose.ColumnTransformer` encodes the feature columns: each numeric column is
standardised by a `StandardScaler` (which ignores missing values), then a `SimpleImputer` fills a
missing value with 0 (the training mean, in standardised units) and, for a column that had missing
values in training, adds a 0/1 input saying so (``add_indicator=True``); each text column is
one-hot encoded by a `OneHotEncoder` (``handle_unknown="infrequent_if_exist"``), its rarest
categories grouped into one input when it has more than `MAX_CATEGORIES`. A missing text cell is
the category ``"(missing)"``. A text column of words in which nearly every row is different (car
models, people's names) is read by a `CountVectorizer` as 0/1 inputs, one per word that appears in
at least `MIN_WORD_ROWS` rows and in at most `MAX_WORD_SHARE` of them, the `MAX_CATEGORIES` most
frequent: ``"chevrolet chevelle malibu"`` has the word ``chevrolet``.

What the transformers learned is stored as JSON (means, standard deviations, categories), never
pickled; `rebuild` makes fresh transformers with exactly that fitted state: it fits the same
ColumnTransformer on a small synthetic frame whose categories have the stored frequencies, then
sets the scalers' fitted attributes to the stored values.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

NUMERIC = "numeric"
CATEGORICAL = "categorical"
MISSING = "(missing)"
#: A text column becomes at most this many inputs; rarer categories share the last one.
MAX_CATEGORIES = 50
WORDS = "words"
PADS: dict[str, Any] = {NUMERIC: 0.0, WORDS: ""}
#: A word is an input when at least this many training rows hold it (and at most this share:
#: a word in nearly every row tells them apart no better than a constant).
MIN_WORD_ROWS = 5
MAX_WORD_SHARE = 0.9
#: Words as scikit-learn's CountVectorizer finds them by default: two or more letters or digits.
WORD_PATTERN = r"(?u)\b\w\w+\b"


def word_vectorizer(vocabulary: list[str] | None = None) -> Any:
    """An unfitted CountVectorizer giving 0/1 word inputs (of ``vocabulary`` when given)."""
    from sklearn.feature_extraction.text import CountVectorizer

    if vocabulary is not None:
        return CountVectorizer(
            binary=True, token_pattern=WORD_PATTERN, vocabulary=vocabulary, dtype=np.float64
        )
    return CountVectorizer(
        binary=True,
        token_pattern=WORD_PATTERN,
        min_df=MIN_WORD_ROWS,
        max_df=MAX_WORD_SHARE,
        max_features=MAX_CATEGORIES,
        dtype=np.float64,
    )


def frequent_words(text: Any) -> list[str]:
    """The words of ``text`` (an array of strings) that would become inputs, sorted.

    Examples
    --------
    >>> frequent_words(["ford pinto", "ford torino", "ford galaxie", "ford ltd", "ford maverick",
    ...                 "amc hornet", "vw rabbit"])
    ['ford']
    """
    try:
        vectorizer = word_vectorizer().fit(list(text))
    except ValueError:  # scikit-learn's word for "no word is frequent enough"
        return []
    return sorted(str(word) for word in vectorizer.vocabulary_)


def column_transformer(
    kinds: dict[str, str], grouping: dict[str, Any], words: dict[str, list[str]] | None = None
) -> Any:
    """An unfitted ColumnTransformer over the columns of ``kinds`` (name: kind), in its order;
    ``words`` fixes a words column's vocabulary (when rebuilt)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts: list[tuple[str, Any, str | list[str]]] = []
    for name, kind in kinds.items():
        if kind == WORDS:
            # A vectorizer reads one column of strings: its column is named, not listed.
            vocabulary = None if words is None else words[name]
            parts.append((f"{WORDS}:{name}", word_vectorizer(vocabulary), name))
            continue
        if kind == CATEGORICAL:
            encoder = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                sparse_output=False,
                dtype=np.float64,
                **grouping,
            )
            parts.append((f"categorical:{name}", encoder, [name]))
            continue
        pipeline = Pipeline(
            [
                ("scale", StandardScaler()),
                ("impute", SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True)),
            ]
        )
        parts.append((f"numeric:{name}", pipeline, [name]))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def fit(frame: Any, kinds: dict[str, str]) -> tuple[Any, list[dict[str, Any]]]:
    """Fit the transformers on ``frame`` (numbers as float64 with NaN, text with `MISSING`).

    Returns
    -------
    transformer : sklearn.compose.ColumnTransformer
    features : list of dict
        The fitted state of each column, as JSON (see `describe`).
    """
    ordered = {name: kinds[name] for name in frame.columns}
    numeric = [name for name, kind in ordered.items() if kind == NUMERIC]
    transformer = column_transformer(ordered, {"max_categories": MAX_CATEGORIES})
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        transformer.fit(frame)
    for name in numeric:
        _safe_statistics(transformer.named_transformers_[f"numeric:{name}"]["scale"], frame[name])
    return transformer, describe(transformer)


def _safe_statistics(scaler: Any, values: Any) -> None:
    # Near the float64 maximum the scaler's sums overflow (and it then falls back to scale 1);
    # the values divided by their largest magnitude give the same statistics without overflow.
    from sklearn.preprocessing import StandardScaler

    present = np.asarray(values, dtype=np.float64)
    present = present[~np.isnan(present)]
    scale = float(np.max(np.abs(present), initial=0.0))
    if scale < 1e150:
        return
    scaled = StandardScaler().fit(present.reshape(-1, 1) / scale)
    scaler.mean_ = scale * scaled.mean_
    scaler.scale_ = scale * scaled.scale_ if scaled.var_[0] > 0 else np.ones(1)
    with np.errstate(over="ignore"):
        scaler.var_ = scaler.scale_**2


def describe(transformer: Any) -> list[dict[str, Any]]:
    """The fitted state of each column of a fitted `column_transformer`, as JSON."""
    features: list[dict[str, Any]] = []
    for key, part in transformer.named_transformers_.items():
        if key == "remainder":
            continue
        kind, name = key.split(":", 1)
        if kind == WORDS:
            vocabulary = sorted(part.vocabulary_, key=part.vocabulary_.get)
            features.append({"name": name, "kind": WORDS, "words": [str(w) for w in vocabulary]})
        elif kind == NUMERIC:
            scaler, imputer = part["scale"], part["impute"]
            indicator = imputer.indicator_ is not None and imputer.indicator_.features_.size > 0
            features.append(
                {
                    "name": name,
                    "kind": NUMERIC,
                    "mean": float(scaler.mean_[0]),
                    "std": float(scaler.scale_[0]),
                    "indicator": bool(indicator),
                }
            )
        else:
            categories = [str(value) for value in part.categories_[0]]
            rare = part.infrequent_categories_[0]
            infrequent = [] if rare is None else [str(value) for value in rare]
            features.append(
                {
                    "name": name,
                    "kind": CATEGORICAL,
                    "categories": [value for value in categories if value not in infrequent],
                    "infrequent": infrequent,
                }
            )
    return features


def rebuild(features: list[dict[str, Any]]) -> Any:
    """A ColumnTransformer with the fitted state `describe` gave, built without pickle."""
    import pandas

    kinds = {f["name"]: f["kind"] for f in features}
    columns: dict[str, list[Any]] = {}
    for feature in features:
        if feature["kind"] == WORDS:
            columns[feature["name"]] = [" ".join(feature["words"])]
        elif feature["kind"] == NUMERIC:
            columns[feature["name"]] = [0.0, 1.0, np.nan] if feature["indicator"] else [0.0, 1.0]
        else:
            # Twice each kept category and once each grouped one: with min_frequency=2 the
            # encoder keeps and groups exactly these.
            kept = [value for value in feature["categories"] for _ in range(2)]
            columns[feature["name"]] = kept + list(feature["infrequent"])
    length = max(len(values) for values in columns.values())
    for feature in features:
        values = columns[feature["name"]]
        pad = feature["categories"][0] if feature["kind"] == CATEGORICAL else PADS[feature["kind"]]
        values += [pad] * (length - len(values))
    frame = pandas.DataFrame(
        {
            name: pandas.Series(values, dtype=np.float64 if kinds[name] == NUMERIC else object)
            for name, values in columns.items()
        }
    )
    words = {f["name"]: f["words"] for f in features if f["kind"] == WORDS}
    transformer = column_transformer(kinds, {"min_frequency": 2}, words)
    transformer.fit(frame)
    for feature in features:
        if feature["kind"] == NUMERIC:
            scaler = transformer.named_transformers_[f"numeric:{feature['name']}"]["scale"]
            scaler.mean_ = np.array([feature["mean"]])
            scaler.scale_ = np.array([feature["std"]])
            with np.errstate(over="ignore"):
                scaler.var_ = scaler.scale_**2
    return transformer


def transform(transformer: Any, frame: Any) -> np.ndarray:
    """The inputs of ``frame``'s rows; unknown categories silently go to the grouped input or
    to zeros (the caller counts and reports them)."""
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(transformer.transform(frame), dtype=np.float64)
