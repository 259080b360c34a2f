"""Jobs taken from one queue by forked children: every job done once, in order, spread evenly.

``fork_pull`` feeds the parallel HTTP listing. It runs in a fresh interpreter here (a
pytest-xdist worker has threads, and nothing forks from a process with other threads), which
also says which process ran each job and whether any child is left.
"""

from __future__ import annotations

from typing import Any, Dict

from _fresh import linux_only, run_fresh

_PULLER = """
import json, os, sys, time
from pipcache_ext._walk import fork_pull
from pipcache_ext._walk import forks as forking  # "forks": the preamble's list

spec = json.loads(sys.argv[1])
parent = os.getpid()
if spec.get("no_queue"):  # the pipe cannot hold the queue: the jobs are dealt in turn
    forking._queue = lambda count: None

def job(n):
    if n in spec.get("die_in_child", []) and os.getpid() != parent:
        os._exit(3)  # the child dies with this job taken: it is done again in the parent
    time.sleep(spec["sleeps"][n])
    return [n, os.getpid() == parent]

results = fork_pull(job, list(range(len(spec["sleeps"]))), spec["processes"])
print(json.dumps({"results": results, "children_left": children_left()}))
"""


def pull(**spec: Any) -> Dict[str, Any]:
    return run_fresh(_PULLER, spec)


@linux_only
def test_every_job_once_in_order_and_a_long_one_does_not_hold_the_rest() -> None:
    sleeps = [0.6] + [0.03] * 12  # one long job first: the other process takes the short ones
    answer = pull(sleeps=sleeps, processes=2)
    assert [n for n, _here in answer["results"]] == list(range(13))
    by_long = answer["results"][0][1]
    with_long = [n for n, here in answer["results"] if here == by_long]
    assert len(with_long) <= 3, with_long  # dealt in turn, it would have taken 7 of the 13


@linux_only
def test_a_child_that_dies_has_its_job_done_here() -> None:
    answer = pull(sleeps=[0.05] * 8, processes=2, die_in_child=list(range(8)))
    assert [n for n, _here in answer["results"]] == list(range(8))
    assert all(here for _n, here in answer["results"])  # the child died on its first job


@linux_only
def test_one_process_or_one_job_forks_nothing() -> None:
    assert pull(sleeps=[0.0] * 5, processes=1)["results"] == [[n, True] for n in range(5)]
    assert pull(sleeps=[0.0], processes=4)["results"] == [[0, True]]


@linux_only
def test_without_a_queue_the_jobs_are_dealt_and_still_in_order() -> None:
    answer = pull(sleeps=[0.02] * 7, processes=2, no_queue=True)
    assert [n for n, _here in answer["results"]] == list(range(7))
    here = [n for n, here in answer["results"] if here]
    assert here == [0, 2, 4, 6]  # dealt in turn: this process has every other job
