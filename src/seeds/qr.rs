//! QR codes of Key URIs (ISO/IEC 18004 through the `qrcode` crate): a terminal
//! rendering with Unicode half blocks (two modules per character cell, the 4-module
//! quiet zone of ISO/IEC 18004 §6.3.8 included) and an 8-bit grayscale PNG
//! (PNG specification §11, through the `png` crate).

use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, QrCode};

/// Modules of quiet zone around the symbol (ISO/IEC 18004: at least 4).
pub const QUIET_ZONE: u32 = 4;

/// Why a QR code could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not fit in a QR code.
    #[error("the text does not fit in a QR code: {0}")]
    Encode(String),
    /// A PNG scale of 0 or one that makes the image too large.
    #[error("PNG scale {0} is not between 1 and 64 pixels per module")]
    Scale(u32),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::new(text.as_bytes()).map_err(|e| QrError::Encode(e.to_string()))
}

/// Renders `text` for a terminal with a dark background: light modules and the quiet
/// zone are drawn as blocks in the foreground colour, dark modules are left as the
/// background, so a phone reads it the right way round. Lines end with `\n`.
pub fn qr_terminal(text: &str) -> Result<String, QrError> {
    let code = code(text)?;
    let mut s = code
        .render::<Dense1x2>()
        .quiet_zone(true)
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .build();
    s.push('\n');
    Ok(s)
}

/// Encodes `text` as a PNG: black modules on white, `scale` pixels per module, with
/// the quiet zone; the image is `(modules + 8) * scale` pixels square.
pub fn qr_png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    if !(1..=64).contains(&scale) {
        return Err(QrError::Scale(scale));
    }
    let code = code(text)?;
    let modules = u32::try_from(code.width()).map_err(|e| QrError::Png(e.to_string()))?;
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i as u32 % modules, i as u32 / modules);
        let (x0, y0) = ((mx + QUIET_ZONE) * scale, (my + QUIET_ZONE) * scale);
        for y in y0..y0 + scale {
            let row = (y * side) as usize;
            pixels[row + x0 as usize..row + (x0 + scale) as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side, side);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc
        .write_header()
        .map_err(|e| QrError::Png(e.to_string()))?;
    w.write_image_data(&pixels)
        .map_err(|e| QrError::Png(e.to_string()))?;
    w.finish().map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

    #[test]
    fn terminal_rendering_has_quiet_zone_and_half_blocks() {
        let s = qr_terminal(URI).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        let modules = QrCode::new(URI).unwrap().width();
        let side = modules + 8;
        assert_eq!(lines[0].chars().count(), side);
        assert_eq!(lines.len(), side.div_ceil(2));
        // The top quiet zone is light, drawn as full blocks.
        assert!(lines[0].chars().all(|c| c == '\u{2588}'));
        assert!(s.contains(' ') || s.contains('\u{2580}') || s.contains('\u{2584}'));
    }

    #[test]
    fn png_decodes_with_finder_patterns() {
        let scale = 3;
        let bytes = qr_png(URI, scale).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let modules = QrCode::new(URI).unwrap().width() as u32;
        let side = (modules + 8) * scale;
        assert_eq!((info.width, info.height), (side, side));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let px = |mx: u32, my: u32| {
            // centre pixel of module (mx, my), counting the quiet zone
            let (x, y) = (mx * scale + scale / 2, my * scale + scale / 2);
            buf[(y * side + x) as usize]
        };
        let q = QUIET_ZONE;
        assert_eq!(px(0, 0), 255, "quiet zone is white");
        // Finder patterns: dark outer ring corners and centre, light separator ring.
        for (ox, oy) in [(q, q), (q + modules - 7, q), (q, q + modules - 7)] {
            assert_eq!(px(ox, oy), 0);
            assert_eq!(px(ox + 6, oy + 6), 0);
            assert_eq!(px(ox + 3, oy + 3), 0);
            assert_eq!(px(ox + 1, oy + 1), 255);
        }
        assert!(matches!(qr_png(URI, 0), Err(QrError::Scale(0))));
        assert!(matches!(
            qr_terminal(&"x".repeat(8000)),
            Err(QrError::Encode(_))
        ));
    }
}
