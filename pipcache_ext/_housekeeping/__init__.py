"""Housekeeping: prune by age and to a size cap, usage per project, re-measuring, the lock.

- :mod:`.lastuse`: when a file was last used, without changing it; ``noatime`` mounts;
- :mod:`.prune`: whole entries by last use, as a deletion plan run by the common executor;
- :mod:`.usage`: what each project takes;
- :mod:`.verify`: the cache measured again after a deletion;
- :mod:`.lock`: one deletion by this library per cache dir at a time.
"""
