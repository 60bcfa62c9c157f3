"""The multi-host test (issue 24): tests/cluster/test_cluster.py."""
