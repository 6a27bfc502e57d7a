"""tools/run_helpers.py: what the zoo and results scripts read back from a run."""

import pytest
from conftest import tool_module


def test_training_minutes_sum_the_logged_intervals():
    # 100 steps of batch 4 at 10 images/s = 40 s, three times
    minutes = tool_module("run_helpers").minutes_by_step({100: 10.0, 200: 10.0, 300: 10.0},
                                                         batch_size=4)
    assert minutes == pytest.approx({100: 40 / 60, 200: 80 / 60, 300: 120 / 60})


def test_a_paused_interval_counts_at_the_runs_median_speed():
    # the interval ending at step 300 was paused for a long time (0.1 images/s); a merely
    # slower one (6 of 10 images/s, within 2x) counts as measured
    helpers = tool_module("run_helpers")
    speeds = {100: 10.0, 200: 10.0, 300: 0.1, 400: 6.0, 500: 10.0}
    minutes = helpers.minutes_by_step(speeds, batch_size=4)
    capped = 400 / (10.0 / helpers.SLOW_INTERVAL)
    assert minutes[300] - minutes[200] == pytest.approx(capped / 60)
    assert minutes[400] - minutes[300] == pytest.approx(400 / 6.0 / 60)
    assert minutes[500] == pytest.approx((3 * 40 + capped + 400 / 6.0) / 60)


def test_no_logged_speed_is_no_minutes():
    assert tool_module("run_helpers").minutes_by_step({}, batch_size=4) == {}
