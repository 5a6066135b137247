"""Reading what a model computes, for the glass box and the symbolic view alike.

The graph the engine recorded (`walk`), the layered structure of a network (`structure`), the
names of its numbers (`labels`, `naming`), the data it is run on (`data`) and its loss as a
function of its parameters (`objective`). `gradlab.glassbox` and `gradlab.symbolic` both read a
model through this package, so neither imports the other's internals.
"""
