//! What a file is, from its content: the common image, audio, video and document formats
//! the platform accepts, told by their first bytes (never by a name or a declared type).

use tucan_model::ticket::MessageKind;

/// The MIME type of a file from its first bytes, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    let at = |offset: usize, sig: &[u8]| {
        bytes.len() >= offset + sig.len() && &bytes[offset..offset + sig.len()] == sig
    };
    Some(if starts(b"\xFF\xD8\xFF") {
        "image/jpeg"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        "image/webp"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if starts(b"ID3") || starts(b"\xFF\xFB") || starts(b"\xFF\xF3") {
        "audio/mpeg"
    } else if at(4, b"ftyp") {
        if at(8, b"M4A ") {
            "audio/mp4"
        } else {
            "video/mp4"
        }
    } else if starts(b"\x1A\x45\xDF\xA3") {
        "video/webm"
    } else {
        return None;
    })
}

/// How a file of this type is sent.
pub fn kind_of(mime: &str) -> MessageKind {
    match mime.split('/').next() {
        Some("image") => MessageKind::Image,
        Some("audio") => MessageKind::Audio,
        Some("video") => MessageKind::Video,
        _ => MessageKind::Document,
    }
}

/// The type assumed for a file a flow sends by URL (the channel learns the real one).
pub fn mime_for_kind(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Image => "image/*",
        MessageKind::Audio => "audio/*",
        MessageKind::Video => "video/*",
        MessageKind::Document | MessageKind::Text => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_content_not_names() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some("video/mp4"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(kind_of("image/png"), MessageKind::Image);
        assert_eq!(kind_of("application/pdf"), MessageKind::Document);
    }
}
