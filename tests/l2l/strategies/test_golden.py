"""Golden seeded trajectories: seed 7, start (0.8, 0.3, 0.6), three generations on Rosenbrock.

For each strategy: the first genome asked in generation 3 and the recommended genome
(`center`) after three tells. Recorded 2026-11-29 with numpy 2.4 and cma 4.5 (the CMA-ES
strategies depend on pycma's internals: a pycma upgrade may change these numbers; check the
convergence tests and re-record). A change here means the sampling or an update changed.
"""

import numpy as np
import pytest

from l2l.seeding import strategy_rng
from l2l.strategies import REGISTRY
from l2l.strategies.testbed import drive, unit_loss

GOLDEN = {
    "cma": (
        [0.713217219476498, 0.3763151091779979, 0.20139023420158902],
        [0.4482883321623589, 0.49842504536444954, 0.7114888311106914],
    ),
    "sep_cma": (
        [0.5798643279112313, 0.7711640001861908, 0.23276371268081048],
        [0.5132121796749011, 0.6333750117949759, 0.8097867659407726],
    ),
    "ipop_cma": (
        [0.4319370647726902, 0.4331086801962296, 0.9624930571475075],
        [0.4721619101092615, 0.568653287620416, 0.5535142591987686],
    ),
    "bipop_cma": (
        [0.4319370647726902, 0.4331086801962296, 0.9624930571475075],
        [0.4721619101092615, 0.568653287620416, 0.5535142591987686],
    ),
    "open_es": (
        [0.7177195837871324, 0.345857178226654, 0.628167796240044],
        [0.7404721368814309, 0.3590858987770691, 0.6058006089324162],
    ),
    "snes": (
        [0.7134792539935699, 0.8662260772242281, 0.1411348001814013],
        [0.5940324910768213, 0.5776836592616797, 0.6746679270570168],
    ),
    "xnes": (
        [0.7207846378326025, 0.8868559642353512, 0.14991977241353588],
        [0.5950465997527119, 0.5783964957034083, 0.6967773657682734],
    ),
    "pgpe": (
        [0.7413594693993216, 0.36182390712294715, 0.6128941096001105],
        [0.5803290313053943, 0.4012103609077248, 0.5926380238715664],
    ),
    "cem": (
        [0.39406887445836714, 0.32450888508659304, 0.2895494597464003],
        [0.5249873864898493, 0.5180991344214896, 0.5443314021988215],
    ),
    "ga": (
        [0.5090949754703387, 0.5485968917760747, 0.5445796756831414],
        [0.40957580434622465, 0.5564106530180681, 0.5574774213805622],
    ),
}


def test_golden_covers_every_strategy():
    assert set(GOLDEN) == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_seeded_trajectory_matches_the_recorded_one(name):
    cls, params = REGISTRY[name]
    s = cls(params())
    st = s.init(np.array([0.8, 0.3, 0.6]), strategy_rng(7))
    st, asked = drive(s, st, unit_loss("rosenbrock"), 3)
    first, center = GOLDEN[name]
    np.testing.assert_allclose(asked[-1][0], first, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.center(st), center, rtol=1e-9, atol=1e-12)
