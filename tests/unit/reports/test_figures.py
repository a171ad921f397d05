"""A bucket's figures: service level out of answered plus abandoned with short abandons left
out, ASA and handle time over the answered, and None (not 0) where nothing was counted."""

from __future__ import annotations

from ccc_telephony.reports.figures import QueueCounts, figures, service_level_pct


def test_short_abandons_are_left_out_of_the_service_level() -> None:
    counts = QueueCounts(offered=12, answered=8, answered_in_sl=6, abandoned=2, short_abandons=2)
    assert service_level_pct(counts) == 60.0


def test_an_empty_bucket_has_no_shares_or_averages() -> None:
    shown = figures(QueueCounts())
    assert shown["offered"] == 0
    assert (shown["service_level_pct"], shown["asa_seconds"], shown["aht_seconds"]) == (
        None,
        None,
        None,
    )


def test_only_short_abandons_give_no_service_level() -> None:
    assert service_level_pct(QueueCounts(offered=3, short_abandons=3)) is None


def test_averages_are_over_the_answered_calls() -> None:
    counts = QueueCounts(
        offered=4,
        answered=3,
        answered_in_sl=3,
        abandoned=1,
        wait_answered_seconds=40,
        talked=2,
        talk_seconds=500,
    )
    shown = figures(counts)
    assert (shown["asa_seconds"], shown["aht_seconds"], shown["service_level_pct"]) == (
        13.3,
        250.0,
        75.0,
    )
