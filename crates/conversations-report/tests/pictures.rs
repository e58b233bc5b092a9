//! The pictures: the SVG parses and holds the title, axes, legend and footer; the PNG decodes
//! at its size with text and bars drawn (no font needed on the machine); the HTML page opens
//! in a real headless Chromium, whose screenshot holds the charts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Db, record};
use conversations_report::{Format, Options, Report, View, render};

async fn reports() -> Vec<Report> {
    let db = Db::sqlite();
    let data =
        conversations_sandbox::Dataset::generate_drifted(conversations_sandbox::DEFAULT_SEED, 600);
    let mut records: Vec<_> = data
        .autocalls()
        .iter()
        .map(|v| record("autocalls", &v.to_string()))
        .collect();
    records.extend(data.asapp().iter().map(|v| record("asapp", &v.to_string())));
    db.fill(records).await;
    let mut out = Vec::new();
    for view in View::ALL {
        out.push(db.report(view, &Options::new().top(4)).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn svg_parses_and_holds_its_labels() {
    let reports = reports().await;
    let svg = String::from_utf8(render(&reports[..1], Format::Svg).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1000"));
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect();
    let has = |s: &str| texts.iter().any(|t| t == s);
    assert!(has("Cost by assistant per day (UTC)"), "{texts:?}");
    assert!(
        has("day") && has("cost (as billed by the provider)"),
        "axes: {texts:?}"
    );
    for group in &reports[0].groups {
        assert!(has(group), "legend {group}: {texts:?}");
    }
    assert!(has(&reports[0].periods[0].period), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("not in any period (no creation time): asapp"))
    );
    assert!(
        doc.descendants().filter(|n| n.has_tag_name("rect")).count() > reports[0].periods.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn png_decodes_with_text_and_bars() {
    let reports = reports().await;
    let png = render(&reports[..1], Format::Png).unwrap();
    let (w, h, pixels) = decode(&png);
    assert_eq!((w, h), (1000, 560));
    // The title is drawn: dark pixels in the top band, around the middle.
    let dark_in_title = (0..40)
        .flat_map(|y| (300..700).map(move |x| (x, y)))
        .filter(|&(x, y)| pixel(&pixels, w, x, y).iter().all(|c| *c < 100))
        .count();
    assert!(dark_in_title > 200, "title pixels: {dark_in_title}");
    // Bars in the first group's colour fill a good part of the plot.
    let first = plotters_first_colour();
    let bars = pixels.chunks(3).filter(|p| *p == first).count();
    assert!(bars > 5_000, "bar pixels: {bars}");
}

/// Palette99's first colour, which the largest group is drawn in.
fn plotters_first_colour() -> [u8; 3] {
    [230, 25, 75]
}

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    buf.truncate(info.buffer_size());
    // To RGB whatever the screenshot's colour type.
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        other => panic!("unexpected colour type {other:?}"),
    };
    (info.width, info.height, rgb)
}

fn pixel(pixels: &[u8], w: u32, x: u32, y: u32) -> [u8; 3] {
    let i = ((y * w + x) * 3) as usize;
    [pixels[i], pixels[i + 1], pixels[i + 2]]
}

/// Chromium from Debian's packages, installed when missing (the tests run as root in CI).
fn chromium() -> std::path::PathBuf {
    let path = std::path::PathBuf::from("/usr/bin/chromium");
    if !path.exists() {
        let status = std::process::Command::new("sh")
            .args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null"])
            .status()
            .expect("apt-get runs");
        assert!(status.success(), "installing chromium failed");
    }
    assert!(path.exists(), "no /usr/bin/chromium after installing it");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn html_opens_in_headless_chromium_with_its_charts() {
    let reports = reports().await;
    let html = String::from_utf8(render(&reports, Format::Html).unwrap()).unwrap();
    // Self-contained: nothing fetched, no script, no image to break.
    for fetch in [
        "<script", "<img", "<link", "src=", "href=", "@import", "url(",
    ] {
        assert!(!html.contains(fetch), "the page holds {fetch}");
    }
    assert_eq!(html.matches("<svg").count(), 3);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let shot = dir.path().join("shot.png");
    let (w, h) = (1100, 2400);
    let output = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--window-size={w},{h}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (sw, sh, pixels) = decode(&std::fs::read(&shot).expect("a screenshot"));
    assert_eq!((sw, sh), (w, h));
    let white = pixels
        .chunks(3)
        .filter(|p| p.iter().all(|c| *c > 245))
        .count();
    let total = (w * h) as usize;
    assert!(
        white < total * 97 / 100,
        "the page looks blank: {white} of {total} pixels white"
    );
    // The charts are drawn: their bars' colour is on the page, in the first chart's place.
    let first = plotters_first_colour();
    let bars = pixels.chunks(3).filter(|p| *p == first).count();
    assert!(bars > 5_000, "chart pixels: {bars}");
}
