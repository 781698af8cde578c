"""The one place that touches SDV, ctgan and rdt internals (pinned by tests/test_sdv_internals.py).

Each module lists the internals it relies on, checked against sdv 2.0.0, ctgan 0.12.1 and
rdt 2.0.0:

- ``speedups``: synthkit's transformer, loader and loss for the TVAE fit, and the version gate
  that switches them off (one warning; ctgan's own fit) on other versions.
- ``mixtures``: the Bayesian mixtures of all numeric columns fitted at once (scikit-learn's).
- ``columnwise``: SDV's table transforms handing each rdt transformer its own columns.
- ``epochs``: the per-epoch callback of ctgan's models and synthkit's TVAE fit loop.
- ``sampler``: ``SynthkitTVAE``, whose sampling keeps category proportions and rare label rates.
- ``synthesizers``: SDV's synthesizers fitting synthkit's models (``build_synthesizer``).
- ``runtime``: seeds, random states, torch threads and weights around a fit or a sample.

Model files pickle synthkit's classes by reference (module and name). They were saved as
``synthkit._sdv.<Name>`` when this package was one module, and still are: every class a model
file refers to is re-exported here and reports this package as its module, so old and new model
files load alike, whichever file of the package defines the class
(tests/test_old_models.py). One cost: ``inspect.getsource`` of those classes (``SynthkitTVAE??``)
looks for them in this file and fails; their methods' sources and tracebacks are unaffected.
"""

from synthkit._sdv.columnwise import ColumnwiseHyperTransformer, use_columnwise_transforms
from synthkit._sdv.epochs import (
    EarlyStop,
    EpochCallback,
    EpochReporting,
    EpochReportingTVAE,
    StopTraining,
    SynthkitCTGAN,
)
from synthkit._sdv.runtime import (
    THREADS_ENV,
    calibrate_marginals,
    default_torch_threads,
    lean_fit,
    library_versions,
    load_model_weights,
    model_weights,
    move_to_cpu,
    rng_preserved,
    sample_conditioned,
    sample_during_fit,
    sample_rows,
    samples_conditions,
    seed_everything,
    seed_sampling,
    torch_threads,
)
from synthkit._sdv.sampler import (
    LabelPlan,
    SynthkitTVAE,
    allocate,
    build_label_plan,
    draw_from_softmax,
    repeat_rare_labels,
    shifts_to_shares,
)
from synthkit._sdv.speedups import (
    FIT_ROWS,
    PINNED_VERSIONS,
    SampledNormalizer,
    SynthkitDataTransformer,
    batched_loader,
    span_loss,
    speed_ups_enabled,
)
from synthkit._sdv.synthesizers import SynthkitCTGANSynthesizer, SynthkitTVAESynthesizer, build_synthesizer
from synthkit._version import installed_versions, versions_text

# The classes model files refer to, pickled as ``synthkit._sdv.<Name>`` (see above).
PICKLED_CLASSES = (
    ColumnwiseHyperTransformer,
    SampledNormalizer,
    SynthkitDataTransformer,
    EpochReportingTVAE,
    SynthkitCTGAN,
    LabelPlan,
    SynthkitTVAE,
    SynthkitTVAESynthesizer,
    SynthkitCTGANSynthesizer,
)
for _class in PICKLED_CLASSES:
    _class.__module__ = __name__
del _class

__all__ = [
    "FIT_ROWS",
    "PICKLED_CLASSES",
    "PINNED_VERSIONS",
    "THREADS_ENV",
    "ColumnwiseHyperTransformer",
    "EarlyStop",
    "EpochCallback",
    "EpochReporting",
    "EpochReportingTVAE",
    "LabelPlan",
    "SampledNormalizer",
    "StopTraining",
    "SynthkitCTGAN",
    "SynthkitCTGANSynthesizer",
    "SynthkitDataTransformer",
    "SynthkitTVAE",
    "SynthkitTVAESynthesizer",
    "allocate",
    "batched_loader",
    "build_label_plan",
    "build_synthesizer",
    "calibrate_marginals",
    "default_torch_threads",
    "draw_from_softmax",
    "installed_versions",
    "lean_fit",
    "library_versions",
    "load_model_weights",
    "model_weights",
    "move_to_cpu",
    "repeat_rare_labels",
    "shifts_to_shares",
    "use_columnwise_transforms",
    "rng_preserved",
    "sample_conditioned",
    "sample_during_fit",
    "sample_rows",
    "samples_conditions",
    "seed_everything",
    "seed_sampling",
    "span_loss",
    "speed_ups_enabled",
    "torch_threads",
    "versions_text",
]
