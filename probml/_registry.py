"""The topic list, and a registry of named items defined across a package's topic modules.

``TOPICS`` is the one list of concepts a learner meets, in teaching order.
It names the derivation modules (``probml/derivations/<topic>.py``), the
figure modules (``probml/figures/<topic>.py``), the test files and the
README's sections; ``ARCHITECTURE.md`` maps each topic to its library modules.
"""

import importlib
import importlib.util

TOPICS = ("regression", "classification", "likelihood", "bayes", "regularization",
          "optimization", "selection", "hypothesis_testing", "growth", "calculus")


class UnknownNameError(KeyError, ValueError):
    """A name that no registered item has.

    Both a :class:`KeyError` (it is a failed lookup) and a :class:`ValueError`
    (the argument ``name`` is wrong), so either ``except`` clause catches it.
    """

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class Registry:
    """Items registered by name from ``package``'s topic modules, imported on first use.

    Parameters
    ----------
    package : str
        The package whose topic modules (named from ``TOPICS``) register items.
    kind : str
        What the items are, for error messages ("derivation", "figure").
    """

    def __init__(self, package, kind):
        self.package, self.kind = package, kind
        # A package need not have a module for every topic (growth has no derivation).
        self.topics = tuple(topic for topic in TOPICS
                            if importlib.util.find_spec(f"{package}.{topic}") is not None)
        self._items = {}
        self._order = {}

    def add(self, name, item, module):
        """Register ``item`` as ``name``, defined in ``module`` (one of the topics)."""
        if name in self._items:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        topic = module.rpartition(".")[2]
        if topic not in self.topics:
            raise ValueError(f"{self.kind} {name!r} is defined in {module}, which is not one "
                             f"of {self.package}'s topics {self.topics}: add it there.")
        # Teaching order: by topic, then by definition within a topic, whatever the
        # order in which the topic modules happen to be imported.
        self._items[name] = item
        self._order[name] = (self.topics.index(topic), len(self._order))

    def _load(self):
        for topic in self.topics:
            importlib.import_module(f"{self.package}.{topic}")

    def names(self):
        """Every registered name, in teaching order."""
        self._load()
        return sorted(self._items, key=self._order.__getitem__)

    def lookup(self, name):
        """The item registered as ``name``; else an :class:`UnknownNameError` listing them."""
        self._load()
        if isinstance(name, str) and name in self._items:
            return self._items[name]
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:40] + "..."
        raise UnknownNameError(f"name must be one of the registered {self.kind}s; there is no "
                               f"{self.kind} named {shown}. The {self.kind}s are "
                               f"{', '.join(self.names())}")
