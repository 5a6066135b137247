"""Tables to trained networks: the library behind ``gradlab train``, ``predict`` and ``info``.

>>> import gradlab as gl, pandas as pd
>>> frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0] * 5, "y": ["a", "a", "b", "b"] * 5})
>>> model = gl.tabular.fit(frame, target="y", epochs=2, validation_split=0)
>>> model.predict(frame).shape
(20,)
"""

from gradlab.tabular.api import fit
from gradlab.tabular.errors import DataError
from gradlab.tabular.folder import load
from gradlab.tabular.model import TabularModel

__all__ = ["DataError", "TabularModel", "fit", "load"]
