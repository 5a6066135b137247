"""scikit-learn estimators built on gradlab: `Perceptron`, `MLPClassifier`, `MLPRegressor`.

They follow scikit-learn's estimator contract (parameters, fitted attributes, error
messages) and pass its ``parametrize_with_checks`` suite; inside, ``model_`` is a gradlab
module trained by gradlab's engine, so a fitted estimator can be summarised and explained.
Needs the optional extra: ``pip install "gradlab[sklearn]"``.
"""

try:
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        'gradlab.sklearn needs scikit-learn; install it with: pip install "gradlab[sklearn]"'
    ) from error

from gradlab.sklearn.mlp_classifier import MLPClassifier
from gradlab.sklearn.mlp_regressor import MLPRegressor
from gradlab.sklearn.perceptron import Perceptron

__all__ = ["MLPClassifier", "MLPRegressor", "Perceptron"]
