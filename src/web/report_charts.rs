//! The report's two charts, drawn on the server as SVG (plotters), so the page needs no
//! script and no CDN: complaints per week, and hours to removal against the deadline.

use plotters::prelude::*;

use crate::domain::report::Week;
use crate::web::desk::Desk;

// Drawn narrow and lettered large, so a phone that scales the chart to its width
// (about 360 px) still shows the ticks at a readable size. Titles and legends are the
// page's own text, beside the chart, not drawn on the bars.
const WIDTH: u32 = 480;
const HEIGHT: u32 = 300;
/// plotters draws a size of 22 at about 17.7 px.
const LETTERS: u32 = 22;
pub const RECEIVED: RGBColor = RGBColor(0x9d, 0xb4, 0xd0);
pub const UPHELD: RGBColor = RGBColor(0x1f, 0x4e, 0x8c);
pub const DEADLINE: RGBColor = RGBColor(0xb0, 0x1c, 0x1c);

/// Bars of complaints received per week, with the upheld share drawn inside each.
pub fn weekly_volume(weeks: &[Week], tr: &Desk) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let top = weeks.iter().map(|w| w.received).max().unwrap_or(0).max(1) as f64;
        let n = weeks.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..n - 0.5, 0f64..top * 1.1)
            .map_err(err)?;
        let labels: Vec<String> = weeks.iter().map(|w| w.week_of[5..].to_string()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .label_style(("sans-serif", LETTERS))
            .axis_desc_style(("sans-serif", LETTERS))
            .x_labels(weeks.len().min(6))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 0.01 || i < 0.0 {
                    return String::new();
                }
                labels.get(i as usize).cloned().unwrap_or_default()
            })
            .y_labels((top as usize + 1).min(6))
            .y_label_formatter(&whole)
            .y_desc(tr.s("complaints"))
            .x_desc(tr.s("week of (MM-DD)"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(weeks.iter().enumerate().map(|(i, w)| {
                let x = i as f64;
                Rectangle::new(
                    [(x - 0.4, 0.0), (x + 0.4, w.received as f64)],
                    RECEIVED.filled(),
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(weeks.iter().enumerate().map(|(i, w)| {
                let x = i as f64;
                Rectangle::new(
                    [(x - 0.4, 0.0), (x + 0.4, w.upheld as f64)],
                    UPHELD.filled(),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The removal histogram's bins: their width in hours, and the count in each.
pub fn removal_bins(hours: &[f64], deadline_hours: f64) -> (f64, Vec<u64>) {
    let deadline = deadline_of(deadline_hours);
    let width = (deadline / 6.0).max(1.0 / 60.0);
    let longest = hours.iter().copied().fold(0.0, f64::max);
    let span = (longest.max(deadline * 2.0) / width).ceil() * width;
    let bins = (span / width).round() as usize;
    let mut counts = vec![0u64; bins.max(1)];
    for h in hours {
        let i = ((h.max(0.0) / width) as usize).min(counts.len() - 1);
        counts[i] += 1;
    }
    (width, counts)
}

fn deadline_of(deadline_hours: f64) -> f64 {
    if deadline_hours > 0.0 {
        deadline_hours
    } else {
        24.0
    }
}

/// A histogram of hours from receipt to removal, with the deadline as a red line.
pub fn removal_times(hours: &[f64], deadline_hours: f64, tr: &Desk) -> Result<String, String> {
    let deadline = deadline_of(deadline_hours);
    let (width, counts) = removal_bins(hours, deadline_hours);
    let span = width * counts.len() as f64;
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..span, 0f64..top * 1.15)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .label_style(("sans-serif", LETTERS))
            .axis_desc_style(("sans-serif", LETTERS))
            .x_labels(6)
            .y_labels((top as usize + 1).min(6))
            .y_label_formatter(&whole)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc(tr.s("complaints"))
            .x_desc(tr.s("hours"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, c)| {
                let x = i as f64 * width;
                Rectangle::new([(x, 0.0), (x + width * 0.95, *c as f64)], UPHELD.filled())
            }))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(deadline, 0.0), (deadline, top * 1.15)],
                DEADLINE.stroke_width(3),
            ))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Counts label only whole ticks.
fn whole(y: &f64) -> String {
    if (y - y.round()).abs() < 1e-9 {
        format!("{y:.0}")
    } else {
        String::new()
    }
}

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_bars() {
        let weeks = [
            Week {
                week_of: "2026-11-02".into(),
                received: 3,
                upheld: 1,
            },
            Week {
                week_of: "2026-11-09".into(),
                received: 0,
                upheld: 0,
            },
        ];
        let zh = Desk::of(crate::domain::complaint::Language::Zh);
        let svg = weekly_volume(&weeks, &zh).unwrap();
        assert!(svg.starts_with("<svg"), "{svg:.80}");
        assert!(svg.contains("11-02"));
        assert!(svg.contains("投诉数"), "the axes speak the page's language");
        let svg = removal_times(&[2.0, 30.0], 24.0, &zh).unwrap();
        assert!(svg.contains("小时"), "{svg}");
        let (width, counts) = removal_bins(&[2.0, 30.0, 0.5], 24.0);
        assert_eq!(width, 4.0);
        assert_eq!(counts.len(), 12);
        assert_eq!((counts[0], counts[7]), (2, 1));
    }
}
