"""`Registry`: the one shape of every lookup by name in gradlab.

Activations, losses, optimizers, initialisers and metrics are each kept in a `Registry`: a
canonical name per entry, optional aliases, case-insensitive lookup, and one error message that
lists the valid names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_MISSING: Any = object()


class Registry(Generic[T]):
    """Entries of one kind by name, with aliases; names are matched case-insensitively.

    Parameters
    ----------
    kind : str
        What the entries are ("activation", "loss", ...), for error messages.

    Examples
    --------
    >>> from gradlab.engine.registry import Registry
    >>> colours = Registry[int]("colour")
    >>> colours.register("red", 1, aliases=("rouge",))
    1
    >>> colours.get("ROUGE"), colours.names()
    (1, ['red'])
    >>> colours.get("blue")
    Traceback (most recent call last):
    ...
    ValueError: unknown colour 'blue'; use one of: red (alias rouge).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        self._listeners: list[Callable[[T], object]] = []

    def register(self, name: str, entry: T, aliases: tuple[str, ...] = ()) -> T:
        """Add ``entry`` under ``name`` and ``aliases``; a name another entry holds is refused."""
        for key in (name, *aliases):
            owner = self._aliases.get(key.lower())
            if owner is not None and self._entries[owner] is not entry:
                raise ValueError(f"a different {self.kind} is already registered as {key!r}.")
        self._entries[name.lower()] = entry
        for key in (name, *aliases):
            self._aliases[key.lower()] = name.lower()
        for listener in self._listeners:
            listener(entry)
        return entry

    def subscribe(self, listener: Callable[[T], object]) -> None:
        """Call ``listener(entry)`` for every entry, now and whenever one is registered (how a
        higher layer derives its own table from this one without being imported by it)."""
        self._listeners.append(listener)
        for entry in self.values():
            listener(entry)

    def find(self, name: str) -> T | None:
        """The entry named ``name`` (or one of its aliases), or None."""
        canonical = self._aliases.get(name.strip().lower())
        return None if canonical is None else self._entries[canonical]

    def get(self, name: str, default: Any = _MISSING) -> T:
        """The entry named ``name``; ``default`` if given and there is none, else a ValueError
        listing the valid names."""
        entry = self.find(name) if isinstance(name, str) else None
        if entry is None and default is not _MISSING:
            return default
        if entry is None:
            raise ValueError(f"unknown {self.kind} {name!r:.100}; use one of: {self.describe()}.")
        return entry

    def canonical(self, name: str) -> str:
        """The canonical name for ``name`` or an alias of it."""
        self.get(name)
        return self._aliases[name.strip().lower()]

    def names(self) -> list[str]:
        """The canonical names, in registration order."""
        return list(self._entries)

    def all_names(self) -> list[str]:
        """Every accepted name, aliases included, in registration order."""
        return list(self._aliases)

    def describe(self) -> str:
        """The names with their aliases: ``identity (alias linear), relu, ...``."""
        parts = []
        for name in self._entries:
            aliases = [a for a, owner in self._aliases.items() if owner == name and a != name]
            parts.append(f"{name} (alias {', '.join(aliases)})" if aliases else name)
        return ", ".join(parts)

    def values(self) -> list[T]:
        """The entries, in registration order."""
        return list(self._entries.values())

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __setitem__(self, name: str, entry: T) -> None:
        # Replaces an entry in place (how a test swaps one for a stand-in); aliases follow it.
        canonical = self._aliases.get(name.lower())
        if canonical is None:
            self.register(name, entry)
        else:
            self._entries[canonical] = entry

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
