//! Who a product says it is for ("Women's", "Men's", "Kids'", "Girls'") and whether that fits
//! the person a gift is for: a product written for someone else counts against it.

/// Who a product or a recipient is: each flag set when the words say so. A product naming
/// both ("for men and women") is for either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Audience {
    pub female: bool,
    pub male: bool,
    pub child: bool,
    pub adult: bool,
}

const FEMALE: [&str; 7] = ["women", "woman", "lady", "ladies", "female", "girl", "her"];
const MALE: [&str; 6] = ["men", "man", "gent", "male", "boy", "him"];
const CHILD: [&str; 9] = ["kid", "child", "children", "girl", "boy", "baby", "toddler", "junior", "infant"];
const ADULT: [&str; 6] = ["women", "woman", "men", "man", "lady", "ladies"];

impl Audience {
    /// Who product words (already normalised, see `kind::words`) say it is for.
    pub(crate) fn of_words(words: &[String]) -> Audience {
        let any = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
        Audience { female: any(&FEMALE), male: any(&MALE), child: any(&CHILD), adult: any(&ADULT) }
    }

    /// Who a recipient is, from the word the shopper used ("niece", "dad"), the normalised
    /// recipient and the age when known. Unknown parts stay unset.
    pub fn of_recipient(recipient: Option<&str>, word: Option<&str>, age: Option<u32>) -> Audience {
        let word = word.or(recipient).unwrap_or("").to_lowercase();
        let female = matches!(
            word.as_str(),
            "mum"
                | "mom"
                | "mother"
                | "mummy"
                | "mommy"
                | "mam"
                | "wife"
                | "girlfriend"
                | "sister"
                | "daughter"
                | "niece"
                | "aunt"
                | "auntie"
                | "grandma"
                | "granny"
                | "nan"
                | "nana"
                | "grandmother"
                | "fiancee"
                | "goddaughter"
                | "girl"
                | "little girl"
                | "granddaughter"
                | "schoolgirl"
                | "stepdaughter"
                | "stepmother"
                | "mother-in-law"
        );
        let male = matches!(
            word.as_str(),
            "dad"
                | "father"
                | "daddy"
                | "husband"
                | "boyfriend"
                | "brother"
                | "son"
                | "nephew"
                | "uncle"
                | "grandad"
                | "grandpa"
                | "granddad"
                | "grandfather"
                | "fiance"
                | "godson"
                | "stepson"
                | "stepfather"
                | "boy"
                | "little boy"
                | "lad"
                | "grandson"
                | "schoolboy"
                | "father-in-law"
        );
        let child = age.is_some_and(|a| a < 13) || recipient == Some("child");
        let adult = age.is_some_and(|a| a >= 16)
            || matches!(recipient, Some("mother" | "father" | "grandparent" | "partner" | "colleague"))
            || matches!(word.as_str(), "wife" | "husband" | "girlfriend" | "boyfriend" | "fiance" | "fiancee");
        Audience { female, male, child: child && !adult, adult }
    }

    /// Whether a product for `self` is written for someone other than `recipient`: for the
    /// other sex only, or for children when the recipient is an adult (and the reverse).
    pub fn conflicts_with(&self, recipient: &Audience) -> bool {
        let sex = (recipient.female && self.male && !self.female) || (recipient.male && self.female && !self.male);
        let age = (recipient.adult && self.child && !self.adult) || (recipient.child && self.adult && !self.child);
        sex || age
    }

    pub fn is_known(&self) -> bool {
        self.female || self.male || self.child || self.adult
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(words: &[&str]) -> Audience {
        Audience::of_words(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn womens_gloves_do_not_fit_a_dad_and_mens_do() {
        let dad = Audience::of_recipient(Some("father"), Some("dad"), None);
        assert!(product(&["leather", "glove", "women"]).conflicts_with(&dad));
        assert!(!product(&["leather", "glove", "men"]).conflicts_with(&dad));
        assert!(!product(&["trowel"]).conflicts_with(&dad));
    }

    #[test]
    fn a_kids_product_does_not_fit_a_grandmother_nor_a_mens_one_a_six_year_old() {
        let gran = Audience::of_recipient(Some("grandparent"), Some("granny"), None);
        assert!(product(&["kid", "apron"]).conflicts_with(&gran));
        let nephew = Audience::of_recipient(Some("child"), Some("nephew"), Some(6));
        assert!(product(&["men", "running", "shoe"]).conflicts_with(&nephew));
        assert!(!product(&["boy", "football", "kit"]).conflicts_with(&nephew));
        assert!(product(&["girl", "dress"]).conflicts_with(&nephew));
        let boy = Audience::of_recipient(Some("child"), Some("boy"), Some(6));
        assert!(product(&["angel", "costume", "girl"]).conflicts_with(&boy), "a boy is male too");
    }

    #[test]
    fn a_product_for_both_fits_either() {
        let wife = Audience::of_recipient(Some("partner"), Some("wife"), None);
        assert!(!product(&["men", "women", "suspender"]).conflicts_with(&wife));
    }
}
