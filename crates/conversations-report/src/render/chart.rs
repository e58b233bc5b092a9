//! Charts with [`plotters`]: bars per period stacked by group, or a line per group (and the
//! total) when there are more than [`BARS_UP_TO`] periods; titled, with axes, units and a
//! legend. Text is drawn with DejaVu Sans, which the crate carries (`fonts/`), so a PNG
//! renders the same on a machine with no font installed.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;

use crate::error::ReportError;
use crate::report::{Period, Report};

/// A chart's width in pixels.
pub const WIDTH: u32 = 1000;
/// A chart's height in pixels.
pub const HEIGHT: u32 = 560;
/// Bars up to this many periods, lines past it.
const BARS_UP_TO: usize = 31;

/// The font the charts' text is drawn with (Bitstream Vera licence, `fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // A font that does not parse would be a broken build: every chart test would show it.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// The chart as an SVG document.
pub(super) fn svg(report: &Report) -> Result<String, ReportError> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, report).map_err(|reason| chart_error(report, reason))?;
        root.present()
            .map_err(|e| chart_error(report, e.to_string()))?;
    }
    Ok(out)
}

/// The chart as a PNG image.
pub(super) fn png(report: &Report) -> Result<Vec<u8>, ReportError> {
    register_font();
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, report).map_err(|reason| chart_error(report, reason))?;
        root.present()
            .map_err(|e| chart_error(report, e.to_string()))?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| chart_error(report, e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| chart_error(report, e.to_string()))?;
    }
    Ok(out)
}

fn chart_error(report: &Report, reason: String) -> ReportError {
    ReportError::Chart {
        view: report.view.name(),
        reason,
    }
}

/// The colour of the `i`th group (`other` is grey).
fn colour(report: &Report, i: usize) -> RGBColor {
    if report.groups.get(i).map(String::as_str) == Some(crate::report::OTHER) {
        return RGBColor(160, 160, 160);
    }
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &Report) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let n = report.periods.len();
    let value = |a: &crate::Amount| a.value.to_f64().unwrap_or(0.0);
    let top = report
        .periods
        .iter()
        .map(|p| value(&p.total[0]))
        .fold(0.0_f64, f64::max);
    // Headroom above the tallest bar for the legend.
    let top = if top > 0.0 { top * 1.45 } else { 1.0 };
    let labels: Vec<String> = report.periods.iter().map(|p| p.period.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(report.title(), (FAMILY, 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d((0..n.max(1)).into_segmented(), 0.0..top)
        .map_err(e)?;
    let scale = report.totals.first().map_or(0, |a| a.scale.min(4)) as usize;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_desc(report.per.name())
        .y_desc(report.unit())
        .x_labels(n.clamp(1, 12))
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                labels.get(*i).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        })
        .y_label_formatter(&|y| format!("{y:.scale$}"))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 15))
        .draw()
        .map_err(e)?;
    if n == 0 {
        root.draw_text(
            "no conversations in the window",
            &(FAMILY, 18).into_text_style(root),
            (WIDTH as i32 / 2 - 130, HEIGHT as i32 / 2),
        )
        .map_err(e)?;
        return Ok(());
    }
    if n <= BARS_UP_TO {
        let mut base = vec![0.0_f64; n];
        for (g, name) in report.groups.iter().enumerate() {
            let colour = colour(report, g);
            let bars: Vec<Rectangle<(SegmentValue<usize>, f64)>> = report
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let low = base[i];
                    base[i] += value(&p.groups[g][0]);
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), low),
                            (SegmentValue::Exact(i + 1), base[i]),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(0, 0, 6, 6);
                    bar
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                });
        }
    } else {
        // A line's points: one a period, at its centre, the figure `pick` reads from it.
        let points = |pick: &dyn Fn(&Period) -> f64| -> Vec<(SegmentValue<usize>, f64)> {
            report
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| (SegmentValue::CenterOf(i), pick(p)))
                .collect()
        };
        chart
            .draw_series(LineSeries::new(
                points(&|p| value(&p.total[0])),
                BLACK.stroke_width(2),
            ))
            .map_err(e)?
            .label("total")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLACK.stroke_width(2)));
        for (g, name) in report.groups.iter().enumerate() {
            let colour = colour(report, g);
            chart
                .draw_series(LineSeries::new(
                    points(&|p| value(&p.groups[g][0])),
                    colour.stroke_width(2),
                ))
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2))
                });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FAMILY, 13))
        .draw()
        .map_err(e)?;
    let footer = report.footer();
    if !footer.is_empty() {
        root.draw_text(
            &footer,
            &(FAMILY, 12).into_text_style(root),
            (12, HEIGHT as i32 - 16),
        )
        .map_err(e)?;
    }
    Ok(())
}
