"""The orders-per-minute chart's geometry, from counts alone."""

from datetime import UTC, datetime

from commerce.ops.chart import minute_chart

FIRST = datetime(2025, 3, 15, 11, 31, tzinfo=UTC)


def test_bars_are_scaled_to_the_tallest_and_labelled_in_store_time(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    counts = [0] * 60
    counts[0], counts[29], counts[59] = 1, 2, 1

    chart = minute_chart(FIRST, counts)

    assert (chart.total, chart.peak, chart.width, chart.height) == (4, 2, 600, 100)
    assert (chart.first_label, chart.last_label) == ("20:31", "21:30")
    assert [(bar.x, bar.y, bar.width, bar.height, bar.count) for bar in chart.bars[28:30]] == [
        (281, 100.0, 8, 0.0, 0),
        (291, 8.0, 8, 92.0, 2),
    ]
    assert (chart.bars[59].x, chart.bars[59].y, chart.bars[59].label) == (591, 54.0, "21:30")


def test_a_single_order_beside_a_busy_minute_stays_visible():
    chart = minute_chart(FIRST, [1, 100])

    assert [bar.height for bar in chart.bars] == [2.0, 92.0]


def test_an_hour_without_orders_draws_no_bars():
    chart = minute_chart(FIRST, [0] * 60)

    assert (chart.total, chart.peak) == (0, 0)
    assert {bar.height for bar in chart.bars} == {0.0}
