"""`ModelFileError`: a model file that gradlab refuses to read."""


class ModelFileError(ValueError):
    """A model file is missing, corrupt, hostile or does not describe a gradlab model.

    The message names the file, the problem and the fix.
    """
