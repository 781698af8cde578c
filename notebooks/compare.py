# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version,-jupytext.text_representation.format_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Model kinds side by side on one machine
#
# synthkit's TVAE and CTGAN, SDV's GaussianCopula, and plain SDV TVAE (the library without synthkit's
# sampling), each fitted on the same training rows of one machine and scored the same way against
# the same held-out real rows: SDMetrics quality, failure and failure-mode rates, label
# contradictions and fit time. The first row, other real rows, is the ceiling no model can beat.

# %% tags=["parameters"]
workspace = "compare-workspace"  # a folder this notebook creates and fills
machine_id = "pump_001"
seed_samples = 4_000
epochs = 100
kinds = ["tvae", "ctgan", "gaussian_copula"]
seed = 3

# %%
import time

import numpy as np
import pandas as pd
import plotly.express as px
import torch
from sdv.single_table import TVAESynthesizer

import synthkit
from synthkit.column_plan import ColumnPlan
from synthkit.evaluation import label_checks, quality_scores
from synthkit.renderers import show_everywhere

show_everywhere()
made = synthkit.generate_seed_data(machine_id, seed_samples, seed=seed, workspace=workspace)
real = pd.read_parquet(made.file_path)
machine = synthkit.get_machine(machine_id)
roles = machine.roles_for(real)
plan = ColumnPlan.from_seed(real, roles)
metadata = plan.metadata()
print(f"{machine_id}: {len(real):,} seed rows, labels {list(plan.labels)}")

# %% [markdown]
# Each synthkit kind is trained with `synthkit.train_model` (20 % of the rows held out per label)
# and sampled right away. Plain SDV TVAE fits the same training rows.

# %%
samples, fit_seconds = {}, {}
for kind in kinds:
    trained = synthkit.train_model(machine_id, kind, epochs=epochs, batch_size=500, seed=seed,
                                   workspace=workspace)
    model = synthkit.load_model(machine_id, workspace)
    samples[f"synthkit {kind}"] = model.synthesizer.sample(len(real))["sensor_log"]
    fit_seconds[f"synthkit {kind}"] = trained.training_time
    print(f"{kind}: {trained.training_time:.1f} s", flush=True)
held_out = model.holdout()
training_rows = real.merge(held_out, how="left", indicator=True).query("_merge == 'left_only'").drop(columns="_merge")

torch.manual_seed(seed)
np.random.seed(seed)
plain = TVAESynthesizer(metadata, epochs=epochs)
started = time.perf_counter()
plain.fit({"sensor_log": training_rows})
fit_seconds["plain SDV tvae"] = round(time.perf_counter() - started, 2)
samples["plain SDV tvae"] = plain.sample(len(real))["sensor_log"]

# %%
meta = metadata.to_dict()
candidates = {"real rows (ceiling)": training_rows.sample(len(held_out), random_state=seed), **samples}
rows = []
for name, frame in candidates.items():
    scored = quality_scores(held_out, frame.sample(len(held_out), random_state=seed), meta)
    labels = label_checks(real, frame, plan.labels, plan.normals)
    modes = [r["ratio"] for key, r in labels["label_rates"].items() if "=" in key and r["ratio"] is not None]
    rows.append({
        "model": name,
        "quality": scored["quality"],
        "column shapes": scored["column_shapes"],
        "pair trends": scored["column_pair_trends"],
        "failure-rate ratio": labels["failure_rate_ratio"],
        "worst mode ratio": max(modes, key=lambda r: abs(np.log(max(r, 1e-9))), default=None),
        "contradictions": labels["label_contradiction_rate"],
        "fit s": fit_seconds.get(name),
    })
leaderboard = pd.DataFrame(rows).set_index("model")
leaderboard.round(3)

# %%
rates = pd.DataFrame({
    name: {key: r["synthetic"] for key, r in label_checks(real, frame, plan.labels, plan.normals)["label_rates"].items()}
    for name, frame in samples.items()
})
rates.insert(0, "real", {key: r["real"] for key, r in label_checks(real, real, plan.labels, plan.normals)["label_rates"].items()})
px.bar(rates, barmode="group", labels={"index": "label", "value": "share of rows"},
       title="Failure rates, real vs each model").show()

# %%
px.bar(leaderboard, y="quality", title="Quality against the same held-out rows (first bar: the ceiling)",
       range_y=[max(0, leaderboard["quality"].min() - 0.05), 1]).show()
