package io.github.revnet.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler.LegendPosition;

/** The report's one chart style: line charts of 800 × 500, bar charts of 1100 × 600, on white; PNG files, drawn headless. */
final class ChartStyle {
    private ChartStyle() {
    }

    /** A line chart with its legend at {@code legend}. */
    static XYChart lines(String title, String x, String y, LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(legend);
        return chart;
    }

    /** A bar chart with its legend outside on the right and the category labels slanted. */
    static CategoryChart bars(String title, String x, String y) {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(600).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(45);
        return chart;
    }

    /** Writes {@code chart} as a PNG file. */
    static void save(Chart<?, ?> chart, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
