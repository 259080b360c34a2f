"""Two rounds of jobs by forked workers that keep what round one read until round two.

``fork_rounds`` feeds the prune: round one reads each shard and sends back a summary, one value is
decided from all of them, and round two runs on the state each process kept. It runs in a fresh
interpreter here (a pytest-xdist worker has threads, and nothing forks from a process with other
threads), which also says which process ran each job and whether any child is left.
"""

from __future__ import annotations

from typing import Any, Dict

from _fresh import linux_only, run_fresh

_ROUNDS = """
import json, os, sys, time
from pipcache_ext._walk.rounds import fork_rounds

spec = json.loads(sys.argv[1])
parent = os.getpid()

def first(n):
    if n in spec.get("die_first", []) and os.getpid() != parent:
        os._exit(3)  # the child dies with this job taken: it is read again here
    if spec.get("raise_in_parent") and os.getpid() == parent:
        raise RuntimeError("first failed")
    time.sleep(spec.get("sleep", 0.0))
    return n * 10, {"job": n, "read_by": os.getpid()}

seen = []
def decide(summaries):
    seen.append(list(summaries))
    return sum(summaries)

def second(state, total):
    if state["job"] in spec.get("die_second", []) and os.getpid() != parent:
        os._exit(4)  # the child dies in round two: its jobs are done again here, both rounds
    return [state["job"], total, state["read_by"] == os.getpid(), os.getpid() == parent]

try:
    decided, out = fork_rounds(first, decide, second, list(range(spec["jobs"])),
                               spec["processes"])
    answer = {"decided": decided, "out": out, "seen": seen}
except RuntimeError as exc:
    answer = {"error": str(exc)}
print(json.dumps({**answer, "forks": len(forks), "children_left": children_left()}))
"""


def rounds(**spec: Any) -> Dict[str, Any]:
    return run_fresh(_ROUNDS, spec)


def _check(answer: Dict[str, Any], jobs: int) -> None:
    total = sum(n * 10 for n in range(jobs))
    assert answer["seen"] == [[n * 10 for n in range(jobs)]]  # one decision, every summary
    assert answer["decided"] == total
    assert [job for job, *_rest in answer["out"]] == list(range(jobs))
    assert all(value == total for _job, value, _same, _here in answer["out"])
    # round two ran where round one read the job: on the state that process kept
    assert all(same for _job, _value, same, _here in answer["out"])


@linux_only
def test_both_rounds_of_every_job_run_where_it_was_read() -> None:
    answer = rounds(jobs=16, processes=2, sleep=0.02)
    _check(answer, 16)
    assert answer["forks"] == 1
    here = [here for *_rest, here in answer["out"]]
    assert any(here), here  # both processes took jobs
    assert not all(here), here


@linux_only
def test_a_child_that_dies_in_round_one_has_its_jobs_read_here() -> None:
    answer = rounds(jobs=8, processes=2, sleep=0.02, die_first=list(range(8)))
    _check(answer, 8)
    assert all(here for *_rest, here in answer["out"])


@linux_only
def test_a_child_that_dies_in_round_two_has_its_jobs_done_again_here() -> None:
    answer = rounds(jobs=8, processes=2, sleep=0.02, die_second=list(range(8)))
    _check(answer, 8)
    assert all(here for *_rest, here in answer["out"])


@linux_only
def test_one_process_forks_nothing_and_a_failure_leaves_no_child() -> None:
    answer = rounds(jobs=5, processes=1)
    _check(answer, 5)
    assert answer["forks"] == 0
    failed = rounds(jobs=8, processes=2, sleep=0.02, raise_in_parent=True)
    assert failed["error"] == "first failed"  # and run_fresh checked that no child is left
