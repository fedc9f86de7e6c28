"""A KIE.ai API simulator, written from KIE's public documentation alone.

It imports nothing from the rest of kiebot: a simulator that reused the client's models
or parsers would share their mistakes and prove nothing.

    from kiebot.sim.kie import KeySpec, KieSimConfig, KieSimulator

    sim = KieSimulator(KieSimConfig(keys={"key-1": KeySpec(credits=500)}, hmac_key="k"))
    await sim.start(host="127.0.0.1", port=0)   # sim.url is the API and upload base
    ...
    await sim.close()

See docs/sim-kie.md for the behaviour, the knobs and the control API.
"""

from kiebot.sim.kie.app import SIM_APP_KEY, create_app
from kiebot.sim.kie.callbacks import sign
from kiebot.sim.kie.config import KeySpec, KieSimConfig
from kiebot.sim.kie.models import FieldSpec, ModelSpec
from kiebot.sim.kie.schemas import default_models
from kiebot.sim.kie.simulator import KieSimulator
from kiebot.sim.kie.stats import Counters, SimStats
from kiebot.sim.kie.tasks import SimTask

__all__ = [
    "SIM_APP_KEY",
    "Counters",
    "FieldSpec",
    "KeySpec",
    "KieSimConfig",
    "KieSimulator",
    "ModelSpec",
    "SimStats",
    "SimTask",
    "create_app",
    "default_models",
    "sign",
]
