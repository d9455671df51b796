"""Inner tasks (genome -> score, metrics), chosen by name from the config."""

from __future__ import annotations

from l2l.tasks.bandit.task import BanditTask
from l2l.tasks.base import DIRECTIONS, Task
from l2l.tasks.busy import BusyTask
from l2l.tasks.faulty import FaultyTask
from l2l.tasks.mdp.task import MDPTask
from l2l.tasks.pong.task import PongTask
from l2l.tasks.test_functions import TestFunctionTask
from l2l.tasks.yinyang import YinYangTask

# name -> task dataclass; its fields are the task's config keys
REGISTRY: dict[str, type] = {
    "sphere": TestFunctionTask,
    "rosenbrock": TestFunctionTask,
    "rastrigin": TestFunctionTask,
    "faulty": FaultyTask,
    "busy": BusyTask,
    "yinyang": YinYangTask,
    "bandit": BanditTask,
    "mdp": MDPTask,
    "pong": PongTask,
}

__all__ = ["DIRECTIONS", "REGISTRY", "BusyTask", "FaultyTask", "Task", "TestFunctionTask", "YinYangTask"]
