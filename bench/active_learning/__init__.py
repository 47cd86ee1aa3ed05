"""Label-efficiency benchmark for the acquisition strategies (`python -m bench.active_learning`).

On a synthetic chest X-ray cohort with simulated readers, each strategy (and the random baseline,
with the same seeds, budgets and initial labels) runs rounds of select -> read -> adjudicate ->
retrain -> re-score, and the run prints labels needed to reach random's final AUROC and AUROC at
fixed label budgets. See README.md.
"""
