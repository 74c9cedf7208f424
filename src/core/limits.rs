//! Sizes from the network are bounded; a refusal names what and the limit.

/// `Err` naming `what` and `limit` when `count` is over it.
pub fn at_most(what: &str, count: usize, limit: usize) -> Result<(), String> {
    if count > limit {
        return Err(format!("{count} {what}, more than the {limit} Balcony reads"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_passes_and_one_more_is_named() {
        assert_eq!(at_most("roster items", 50_000, 50_000), Ok(()));
        assert_eq!(
            at_most("roster items", 50_001, 50_000),
            Err("50001 roster items, more than the 50000 Balcony reads".to_owned())
        );
    }
}
