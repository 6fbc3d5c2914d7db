//! Inline SVG charts of a service's history: a line per figure, scaled to its own maximum,
//! and a band of up/down samples. No script and no external file: the page's CSP allows
//! neither inline scripts nor foreign images, and SVG in the markup needs neither.

use maud::{Markup, PreEscaped, html};

use super::history::Point;

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 60.0;

/// A line chart of `values` (one per point; gaps where `None`), with its title and the
/// latest value as text.
pub fn line(title: &str, points: &[Point], value: impl Fn(&Point) -> Option<f64>, unit: &str) -> Markup {
    let values: Vec<Option<f64>> = points.iter().map(&value).collect();
    let max = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    let latest = values.iter().rev().flatten().next().copied();
    let path = path_of(&values, if max > 0.0 { max } else { 1.0 });
    html! {
        figure.chart {
            figcaption {
                (title) " "
                span.latest { @if let Some(v) = latest { (format_value(v, unit)) } @else { "no data" } }
                " " span.muted { "max " (format_value(max, unit)) }
            }
            svg viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) preserveAspectRatio="none" role="img" aria-label=(title) {
                path.line d=(path) {}
            }
        }
    }
}

/// A band of up (green) and down (red) samples.
pub fn status_band(points: &[Point]) -> Markup {
    let n = points.len().max(1) as f64;
    let step = WIDTH / n;
    let mut rects = String::new();
    for (i, point) in points.iter().enumerate() {
        let class = if point.up { "up" } else { "down" };
        rects.push_str(&format!(
            r#"<rect class="{class}" x="{:.2}" y="0" width="{:.2}" height="12"></rect>"#,
            i as f64 * step,
            step + 0.5
        ));
    }
    html! {
        figure.chart {
            figcaption { "Status" }
            svg.band viewBox=(format!("0 0 {WIDTH} 12")) preserveAspectRatio="none" role="img" aria-label="status" {
                (PreEscaped(rects))
            }
        }
    }
}

/// The SVG path of a series; a `None` breaks the line.
fn path_of(values: &[Option<f64>], max: f64) -> String {
    let n = values.len();
    if n == 0 {
        return String::new();
    }
    let step = if n > 1 { WIDTH / (n - 1) as f64 } else { 0.0 };
    let mut path = String::new();
    let mut drawing = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let x = i as f64 * step;
                let y = HEIGHT - 2.0 - (v / max) * (HEIGHT - 4.0);
                path.push_str(&format!("{}{x:.1} {y:.1} ", if drawing { "L" } else { "M" }));
                drawing = true;
            }
            None => drawing = false,
        }
    }
    path.trim_end().to_owned()
}

fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "bytes" => crate::state::report::bytes(value as u64),
        "%" => format!("{value:.1}%"),
        "ms" => format!("{value:.1} ms"),
        _ => format!("{value:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_break_at_gaps_and_scale_to_the_maximum() {
        let path = path_of(&[Some(0.0), Some(10.0), None, Some(5.0)], 10.0);
        assert_eq!(path, "M0.0 58.0 L120.0 2.0 M360.0 30.0");
        assert_eq!(path_of(&[], 1.0), "");
    }

    #[test]
    fn a_band_has_a_rectangle_per_sample() {
        let point = |up| Point { at: 0, cpu_percent: None, memory_bytes: None, response_ms: None, up };
        let markup = status_band(&[point(true), point(false)]).into_string();
        assert_eq!(markup.matches("<rect").count(), 2);
        assert!(markup.contains(r#"class="down""#));
    }
}
