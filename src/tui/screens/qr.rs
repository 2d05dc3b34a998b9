//! A token's Key URI (otpauth://) drawn as a QR code over the whole frame, two modules
//! per character cell with Unicode half blocks (ISO/IEC 18004 through the `qrcode`
//! crate, error correction level L so that a usual URI fits 80×24). Light modules and
//! the quiet zone are drawn as blocks (white on black in colour, the terminal's
//! foreground without), dark modules are left as the background, so a phone reads it
//! the right way round. The quiet zone is ISO's 4 modules when the terminal has room,
//! down to 1 on a small one; when even that does not fit, the size needed is said.
//! The URI came from the station's audited export ([`crate::station::Station::token_qr`]);
//! it is zeroized when the view is dropped.

use qrcode::{Color as Module, EcLevel, QrCode};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};
use zeroize::Zeroizing;

use crate::tui::app::Shared;
use crate::tui::words;

/// The quiet zone ISO/IEC 18004 asks for, in modules.
const QUIET: usize = 4;

/// A QR code on screen.
pub struct QrView {
    serial: String,
    /// Light (true) or dark modules, row by row, `width` per row.
    modules: Vec<bool>,
    width: usize,
    _uri: Zeroizing<String>,
}

impl QrView {
    /// The QR code of `uri` for the token `serial`; `None` when it does not encode.
    pub fn new(serial: &str, uri: Zeroizing<String>) -> Option<QrView> {
        let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::L).ok()?;
        let width = code.width();
        let modules = code
            .to_colors()
            .into_iter()
            .map(|c| c == Module::Light)
            .collect();
        Some(QrView {
            serial: serial.to_string(),
            modules,
            width,
            _uri: uri,
        })
    }

    /// The quiet zone that fits `area` (rows less the caption), if any.
    fn quiet_for(&self, area: Rect) -> Option<usize> {
        (1..=QUIET).rev().find(|q| {
            let side = self.width + 2 * q;
            side <= usize::from(area.width) && side.div_ceil(2) < usize::from(area.height)
        })
    }

    fn light(&self, x: isize, y: isize) -> bool {
        let w = self.width as isize;
        if x < 0 || y < 0 || x >= w || y >= w {
            return true; // the quiet zone
        }
        self.modules
            .get((y * w + x) as usize)
            .copied()
            .unwrap_or(true)
    }

    /// The QR code as text rows with quiet zone `q` (two modules a row).
    fn rows(&self, q: usize) -> Vec<String> {
        let side = (self.width + 2 * q) as isize;
        let q = q as isize;
        (0..side)
            .step_by(2)
            .map(|y| {
                (0..side)
                    .map(|x| {
                        let top = self.light(x - q, y - q);
                        let bottom = y + 1 >= side || self.light(x - q, y + 1 - q);
                        match (top, bottom) {
                            (true, true) => '█',
                            (true, false) => '▀',
                            (false, true) => '▄',
                            (false, false) => ' ',
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Draws the code over `area` with a caption line at the bottom.
    pub fn draw(&self, f: &mut Frame<'_>, area: Rect, sh: &Shared) {
        let t = sh.theme;
        f.render_widget(Clear, area);
        let caption = format!(
            "{} · scan it with the authenticator app · audited · any key hides it",
            words::safe(&self.serial, 24)
        );
        let Some(q) = self.quiet_for(area) else {
            let need_w = self.width + 2;
            let need_h = (self.width + 2).div_ceil(2) + 1;
            let text = format!(
                "The terminal is too small for the QR code of {}: it needs {need_w}×{need_h}. \
                 Enlarge it, then show the code again. Any key goes back.",
                words::safe(&self.serial, 24)
            );
            f.render_widget(
                Paragraph::new(Line::styled(text, t.warn())).wrap(Wrap { trim: true }),
                area,
            );
            return;
        };
        let rows = self.rows(q);
        let side = u16::try_from(self.width + 2 * q).unwrap_or(area.width);
        let x = area.x + (area.width.saturating_sub(side)) / 2;
        let style = if t.color {
            Style::new().fg(Color::White).bg(Color::Black)
        } else {
            Style::new()
        };
        let lines: Vec<Line<'_>> = rows.into_iter().map(|r| Line::styled(r, style)).collect();
        let h = u16::try_from(lines.len()).unwrap_or(area.height);
        f.render_widget(
            Paragraph::new(lines),
            Rect {
                x,
                y: area.y,
                width: side,
                height: h.min(area.height),
            },
        );
        if let Some(y) = area.y.checked_add(h).filter(|y| *y < area.bottom()) {
            f.render_widget(
                Line::styled(caption, t.dim()),
                Rect {
                    y,
                    height: 1,
                    ..area
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usual_uri_fits_80x24_with_a_quiet_zone() {
        let uri = "otpauth://totp/Demo%20TOTP:DEMO-0001?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Demo%20TOTP&algorithm=SHA1&digits=6&period=30";
        let v = QrView::new("DEMO-0001", Zeroizing::new(uri.into()))
            .unwrap_or_else(|| panic!("encodes"));
        let q = v.quiet_for(Rect::new(0, 0, 80, 24));
        assert!(q.is_some_and(|q| q >= 1), "{} modules", v.width);
        let rows = v.rows(1);
        assert_eq!(rows.len(), (v.width + 2).div_ceil(2));
        // Row 0: the quiet zone above (light), the finder pattern's dark top edge below.
        assert!(rows[0].chars().all(|c| c == '█' || c == '▀'), "{}", rows[0]);
        assert_eq!(
            rows[0].chars().next(),
            Some('█'),
            "the quiet zone at the left"
        );
        assert_eq!(
            rows[0].chars().nth(1),
            Some('▀'),
            "the finder's dark corner"
        );
        assert!(v.quiet_for(Rect::new(0, 0, 30, 10)).is_none());
    }
}
