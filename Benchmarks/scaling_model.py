#!/usr/bin/env python3
"""The data-parallel scaling model of Benchmarks/README.md: step time on N machines from the
measured compute per step and ring-allreduce cost, with and without overlap.

Per machine the batch stays fixed (weak scaling). A ring allreduce of B bytes over N machines
sends 2 (N - 1) / N x B bytes per machine in 2 (N - 1) steps; each step also pays a latency
alpha. Without overlap (`DataParallel.overlapsBackward = false`: buckets reduced after backward)
the step is compute + communication; with DDP-style overlap the communication hides behind
backward (two thirds of compute: backward costs about twice the forward) and only what exceeds it
shows. Efficiency = compute / step time.

Inputs, and where they come from:
- small ResNet: 174,970 float32 parameters (`strata summary --model resnet`), 30.2 ms per step of
  64 (README "Speed": resnet_train 2,121 samples/s on this 2-core machine).
- LeNet: 1,663,370 parameters (`strata summary --model lenet`), 14.8 ms per step of 64
  (lenet_train 4,324 samples/s).
- resnet50: 25,557,032 parameters (torchvision), not trained here: compute estimated as
  3 x 4.1 GFLOP per 224x224 image (forward 4.1 GFLOP; training about 3x) at the 265 GFLOP/s
  oneDNN convolution rate measured on this machine's 2 cores (../shared/ARCHITECTURE.md), batch 32
  per machine: 1.49 s per step.
- alpha = 5 us per ring step (a typical TCP/Ethernet MPI latency; our shared-memory measurement
  does not apply across machines).
"""

MODELS = {
    "small ResNet": (174_970 * 4, 64 / 2121),
    "LeNet": (1_663_370 * 4, 64 / 4324),
    "resnet50": (25_557_032 * 4, 32 * 3 * 4.1e9 / 265e9),
}
# The fraction of the communication that overlap hid, measured with 2 ranks on this machine
# (`python3 Benchmarks/mpi_benchmarks.py --rounds 3 --steps 20 --only training`, release build,
# 14:20 UTC under a load average of about 7, so indicative): Open MPI progresses a nonblocking
# allreduce only inside MPI calls, which Strata makes at each gradient hook, so part of it waits
# for the end of backward. resnet50 is not measured: the small ResNet's fraction stands in.
MEASURED_HIDDEN = {"small ResNet": 0.24, "LeNet": 0.42, "resnet50": 0.24}
BANDWIDTHS_GBIT = [10, 25, 100]
ALPHA = 5e-6
MACHINES = [1, 2, 4, 8, 16, 32, 64]


def communication(bytes_, machines, gbit):
    if machines == 1:
        return 0.0
    return 2 * (machines - 1) / machines * bytes_ / (gbit * 1e9 / 8) + 2 * (machines - 1) * ALPHA


def main():
    for name, (bytes_, compute) in MODELS.items():
        print(f"\n{name}: {bytes_ / 1e6:.1f} MB of gradients, compute {compute * 1e3:.1f} ms per step")
        print("| N | " + " | ".join(f"{b} Gbit/s: step ms (eff., overlapped eff.)" for b in BANDWIDTHS_GBIT) + " |")
        print("|---|" + "---|" * len(BANDWIDTHS_GBIT))
        largest = {b: [0, 0, 0] for b in BANDWIDTHS_GBIT}
        for n in MACHINES:
            cells = []
            for b in BANDWIDTHS_GBIT:
                comm = communication(bytes_, n, b)
                plain = compute / (compute + comm)
                hidden = compute / (compute + max(0.0, comm - 2 / 3 * compute))
                if plain > 0.9:
                    largest[b][0] = n
                if hidden > 0.9:
                    largest[b][1] = n
                if compute / (compute + comm * (1 - MEASURED_HIDDEN[name])) > 0.9:
                    largest[b][2] = n
                cells.append(f"{(compute + comm) * 1e3:.1f} ({plain:.2f}, {hidden:.2f})")
            print(f"| {n} | " + " | ".join(cells) + " |")
        for b in BANDWIDTHS_GBIT:
            print(f"largest N with efficiency > 90% at {b} Gbit/s: {largest[b][0]} without overlap, "
                  f"{largest[b][1]} with full overlap, {largest[b][2]} with the measured overlap "
                  f"({MEASURED_HIDDEN[name]:.2f} hidden) (of N <= 64)")


if __name__ == "__main__":
    main()
