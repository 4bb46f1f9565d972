"""gradviz: watch optimizers fit models.

The notebook API, importable without Qt::

    import gradviz
    problem = gradviz.make_problem("gabor")
    path = gradviz.run(problem, optimizer="momentum", batching="notebook", seed=1, steps=81)
    print(path.summary())
    surface = gradviz.loss_surface(problem, grid=200)

The desktop app is started with the ``gradviz`` command.
"""

from gradviz.core import *  # noqa: F403 - the core's public names are the package's
from gradviz.core import __all__ as __all__

__version__ = "0.1.0"
