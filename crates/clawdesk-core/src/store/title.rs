/// Longest title kept, in characters; the sidebar shows about this much.
const MAX_TITLE_CHARS: usize = 60;

/// A session title from its first user message: the first non-empty line,
/// whitespace collapsed, cut at a character boundary with an ellipsis.
pub fn title_from_first_message(content: &str) -> Option<String> {
    let line = content.lines().map(str::trim).find(|l| !l.is_empty())?;
    let collapsed: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX_TITLE_CHARS {
        return Some(collapsed);
    }
    let cut: String = collapsed.chars().take(MAX_TITLE_CHARS - 1).collect();
    Some(format!("{}…", cut.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_non_empty_line_collapsed() {
        assert_eq!(
            title_from_first_message("\n\n  Hello   there \nsecond").as_deref(),
            Some("Hello there")
        );
        assert_eq!(title_from_first_message("   \n "), None);
    }

    #[test]
    fn long_titles_are_cut_on_char_boundaries() {
        let title = title_from_first_message(&"é".repeat(200)).unwrap();
        assert_eq!(title.chars().count(), MAX_TITLE_CHARS);
        assert!(title.ends_with('…'));
    }
}
