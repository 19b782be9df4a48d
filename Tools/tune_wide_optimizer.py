#!/usr/bin/env python3
"""Chooses the defaults of WideOptimizerSettings (Sources/StrataTraining/Tabular/WideOptimizer.swift).

Runs the WideDeep example (wide only and Wide & Deep) over a grid of wide-part settings for
each optimizer, on each of 8 folds of the non-test 80% of UCI Adult (`--fold 0..7` with
`--validation-only`, so the test rows are never evaluated), and ranks each grid point by its
wide-only plus Wide & Deep validation accuracy averaged over the folds (each run keeps the
epoch with the best validation AUC). 1,024 runs: about 30 minutes on two cores.

    Tools/fetch-adult.sh && swift build -c release --product WideDeep
    python3 Tools/tune_wide_optimizer.py [--folds 0,1,...] [--top 8]
"""

import argparse
import itertools
import re
import subprocess

GRIDS = {
    "ftrl": {"--wide-lr": ["0.05", "0.1", "0.2", "0.5"], "--beta": ["0.01", "0.1", "1"],
             "--l1": ["0.01", "0.03", "0.1", "0.3"], "--l2": ["0", "0.1"]},
    "proximal": {"--wide-lr": ["0.2", "0.5", "1", "2"], "--l1": ["0", "1e-5", "3e-5", "1e-4"],
                 "--l2": ["0", "1e-4"]},
}
LINE = re.compile(r"^(wide|wide-deep) \((\w+)\) best validation epoch \d+: accuracy ([\d.]+), AUC ([\d.]+); (\d+) of")


def run(optimizer, settings, fold):
    """{part: (accuracy, auc, zero weights)} of one validation-only run."""
    command = [".build/release/WideDeep", "--parts", "wide,wide-deep", "--wide-optimizer", optimizer,
               "--fold", str(fold), "--validation-only"] + [item for pair in settings for item in pair]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    results = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            results[match.group(1)] = (float(match.group(3)), float(match.group(4)), int(match.group(5)))
    assert set(results) == {"wide", "wide-deep"}, output
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", default="0,1,2,3,4,5,6,7")
    parser.add_argument("--top", type=int, default=8)
    arguments = parser.parse_args()
    folds = [int(f) for f in arguments.folds.split(",")]
    for optimizer, grid in GRIDS.items():
        ranking = []
        for values in itertools.product(*grid.values()):
            settings = list(zip(grid.keys(), values))
            runs = [run(optimizer, settings, fold) for fold in folds]
            mean = {part: [sum(r[part][i] for r in runs) / len(runs) for i in range(3)] for part in ("wide", "wide-deep")}
            ranking.append((mean["wide"][0] + mean["wide-deep"][0], settings, mean))
        ranking.sort(key=lambda entry: entry[0], reverse=True)
        print(f"{optimizer}: mean validation accuracy over folds {folds} (wide, wide-deep), AUC, zero wide weights")
        for score, settings, mean in ranking[:arguments.top]:
            flags = " ".join(f"{flag} {value}" for flag, value in settings)
            print(f"  {score:.5f}  {flags:48}  wide {mean['wide'][0]:.4f} / {mean['wide'][1]:.4f} / {mean['wide'][2]:.0f}"
                  f"  wide-deep {mean['wide-deep'][0]:.4f} / {mean['wide-deep'][1]:.4f} / {mean['wide-deep'][2]:.0f}")


if __name__ == "__main__":
    main()
