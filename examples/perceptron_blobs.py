"""The Perceptron class: Rosenblatt's perceptron on the tutorial's blobs, a scikit-learn estimator.

From "Introduction to Deep Learning - Part 3" by Bhaskar S (PolarSPARC, 06/18/2023), which
builds a Perceptron class and a generic ``MyNeuralNetwork`` class with fit / predict.

The tutorial builds ``MyPerceptron`` by hand: a step activation, and after each misclassified
sample ``weights -= eta * (prediction - target) * x``. ``gradlab.sklearn.Perceptron`` is that
rule with scikit-learn's interface (fit / predict / score / decision_function, eta0,
max_iter, tol, shuffle, random_state, ...), and its model is a gradlab network,
``Linear(2, 1)`` then ``Step()``, that can be summarised and inspected. The rule needs no
gradient: the step's derivative is 0 everywhere.

Two differences from the tutorial, both deliberate: the weights start at 0 (the tutorial draws them
with ``np.random.random``, NumPy's global state, so its runs are not reproducible), and
training stops when the perceptron criterion stops improving instead of always running 500
epochs.

    python examples/perceptron_blobs.py
"""

from sklearn.datasets import make_blobs
from sklearn.linear_model import Perceptron as SklearnPerceptron
from sklearn.model_selection import train_test_split

from gradlab.sklearn import Perceptron

TUTORIAL_ACCURACY = 0.84  # the tutorial's Output.3


def main() -> None:
    X, y = make_blobs(
        n_samples=100,
        n_features=2,
        centers=[[-3.5, -2.0], [2.5, 3.5]],
        cluster_std=2.25,
        random_state=5,
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=5)

    perceptron = Perceptron(eta0=0.01).fit(X_train, y_train)  # the tutorial's eta = 0.01
    perceptron.model_.summary()
    print(f"Bias: {perceptron.intercept_}, Weights: {perceptron.coef_[0]}")
    print(f"epochs run: {perceptron.n_iter_}")

    accuracy = perceptron.score(X_test, y_test)
    sklearn_accuracy = SklearnPerceptron().fit(X_train, y_train).score(X_test, y_test)
    print(f"Accuracy (gradlab):      {accuracy:.2f}")
    print(f"Accuracy (tutorial):     {TUTORIAL_ACCURACY:.2f}")
    print(f"Accuracy (scikit-learn): {sklearn_accuracy:.2f}")
    assert accuracy >= TUTORIAL_ACCURACY and accuracy >= sklearn_accuracy


if __name__ == "__main__":
    main()
