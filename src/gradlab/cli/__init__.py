"""The ``gradlab`` command: train, predict, info and explain from a terminal."""
