//! How a working key is re-initialised (re-synchronised, programmed) to its car, by make, for
//! the makes with the most rows in the US list.
//!
//! Each entry is either the owner's onboard procedure as the maker publishes it (owner's
//! manual, service manual or service bulletin, named in `source`), or, where the maker's
//! manuals leave the job to the dealer and no onboard procedure was found, a plain statement
//! that a dealer or locksmith tool is needed. The steps are paraphrased from the cited page.
//! Onboard procedures work a key in the ignition, so they cannot apply to a car with a
//! push-button start: the text says so.

/// What an owner can do to pair a working key with the car.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pairing {
    /// The owner can do it in the car, as the cited procedure says.
    Onboard,
    /// A dealer or locksmith tool is needed.
    Tool,
}

/// The re-initialisation entry for a group of makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reinit {
    /// Makes it covers, as the table spells them.
    pub makes: &'static [&'static str],
    /// Onboard or tool.
    pub pairing: Pairing,
    /// What to do.
    pub text: &'static str,
    /// Where it comes from.
    pub source: &'static str,
}

impl Reinit {
    /// The text with its source, for advice: `... (source: ...)`.
    pub fn cited(&self) -> String {
        let keyed = if self.pairing == Pairing::Onboard && !self.text.contains("push-button") {
            format!(" {KEYED}")
        } else {
            String::new()
        };
        format!("{}{keyed} (source: {})", self.text, self.source)
    }
}

const KEYED: &str = "This is for cars started with a key in the ignition; a car with a \
                     push-button start (smart key) needs a dealer or locksmith tool.";

/// The entries.
pub const REINIT: &[Reinit] = &[
    Reinit {
        makes: &["Ford", "Lincoln", "Mercury"],
        pairing: Pairing::Onboard,
        text: "Have every remote at hand (up to four): the ones not programmed in the same \
               session stop working. Unlock the car with the power lock switch and put the key \
               in the ignition. Turn it between LOCK (or OFF) and ON eight times within 10 s, \
               ending in ON; the locks cycle to confirm. Within 20 s press any button on a \
               remote; the locks cycle. Do the same for each other remote, each within 20 s. \
               Switch the ignition off; the locks cycle to end. This is for cars started with \
               a key in the ignition; a car with a push-button start (Intelligent Access) \
               needs a dealer or locksmith tool.",
        source: "Ford owner's guide, 2003 Ford Escape, Locks and Security, \"How to reprogram \
                 your remote entry transmitters\" (autoguidegalaxy.com/2003-ford-escape-owners-manual)",
    },
    Reinit {
        makes: &["Toyota", "Lexus", "Scion"],
        pairing: Pairing::Onboard,
        text: "Toyota's wireless door lock registration, as its repair manual gives it for the \
               2002 Lexus ES 300 (other models may differ: check the car's manual). With the \
               key out, the driver's door open and unlocked and the other doors shut: \
               insert and remove the key twice within 5 s; within 40 s close and open the \
               driver's door twice, insert and remove the key; close and open the door twice \
               more, insert the key and close the door. Turn the ignition LOCK-ON-LOCK at about \
               1 s intervals the number of times that selects add mode (keeps the other \
               remotes) or rewrite mode (erases them), per the repair manual's chart; the car \
               locks and unlocks to show the mode. Within 40 s press LOCK and UNLOCK together \
               for 1-1.5 s, then within 3 s either one for over 1 s. One lock-unlock cycle means \
               registered, two means it failed: start again. Further remotes within 40 s each, \
               up to four.",
        source: "Toyota repair manual, 2002 Lexus ES 300, Remote Keyless Entry, \"Recognition \
                 Code Registration\"",
    },
    Reinit {
        makes: &["Nissan", "Infiniti"],
        pairing: Pairing::Onboard,
        text: "Close all doors and lock them with the driver's lock switch. Insert the key into \
               the ignition and pull it out fully, more than six times within 10 s; the hazard \
               lights flash twice (the stored remotes are erased). Turn the key to ACC and press \
               LOCK on a remote once; the hazard lights flash. For each other remote, old ones \
               included: unlock then lock with the driver's switch, and press LOCK on it once. \
               Up to four. Opening the driver's door ends the mode.",
        source: "Nissan service manual, 1995 Nissan 200SX, Keyless Entry: Service and Repair, \
                 \"ID Code Entry Procedure\"",
    },
    Reinit {
        makes: &["Honda", "Acura"],
        pairing: Pairing::Onboard,
        text: "Each step within 4 s of the last: ignition ON (II); press LOCK or UNLOCK on a \
               remote; ignition LOCK (0). Do this three times with the same remote, then \
               ignition ON and press its button again: the locks cycle (programming mode, all \
               stored remotes erased). Within 10 s press a button on each remote to keep; the \
               locks cycle for each. Ignition LOCK (0) to finish. Up to three remotes.",
        source: "American Honda service bulletin \"Keyless Entry - Remote Transmitter \
                 Information\", Programming the Transmitter (Honda Accord service information)",
    },
    Reinit {
        makes: &["Subaru"],
        pairing: Pairing::Onboard,
        text: "The car learns a remote by its eight-digit code, printed on a tag on the key \
               unit and inside the remote. Close all doors, sit in the driver's seat with the \
               door closed; within 45 s open and close the driver's door once, then turn the \
               key LOCK to ON ten times within 15 s (one tone). Within 15 s open and close the \
               door once (a tone for 30 s), then key in the code with the power door lock \
               switch, digit by digit and then once more, as the owner's manual describes; a \
               1 s tone confirms. Up to four remotes.",
        source: "Subaru owner's manual, Legacy/Outback, Keys and doors, \"Programming the \
                 transmitters\" (subarumanuals.org/subaru-1190.html); Subaru 2008 Forester \
                 owner's manual p. 2-12",
    },
    Reinit {
        makes: &["Chevrolet", "GMC", "Buick", "Cadillac", "Pontiac", "Saturn"],
        pairing: Pairing::Tool,
        text: "GM owner's manuals leave matching a remote to the dealer (\"Matching \
               Transmitter(s) to Your Vehicle\"): take every remote, since all are re-matched \
               at once. Some later trucks offer \"Relearn Remote Key\" in the Driver \
               Information Center: see that car's owner's manual. Otherwise a dealer or \
               locksmith tool is needed.",
        source: "Chevrolet 1999 Cavalier and 2003 Blazer owner's manuals, Matching \
                 Transmitter(s) to Your Vehicle; 2007 GMC Yukon owner's manual p. 118",
    },
    Reinit {
        makes: &["Mazda"],
        pairing: Pairing::Tool,
        text: "Mazda's owner's manual says additional transmitters are obtained and programmed \
               at an Authorized Mazda Dealer (bring every transmitter): a dealer or locksmith \
               tool is needed.",
        source: "Mazda 2009 Mazda5 owner's manual, Keyless Entry System, p. 3-3",
    },
    Reinit {
        makes: &["Chrysler", "Dodge", "Jeep", "Ram"],
        pairing: Pairing::Tool,
        text: "No owner's procedure is on file for these makes: a dealer or locksmith tool is \
               needed to pair a remote.",
        source: "none found in the makers' published owner's manuals",
    },
    Reinit {
        makes: &["Hyundai", "Kia"],
        pairing: Pairing::Tool,
        text: "No owner's procedure is on file for these makes: a dealer or locksmith tool is \
               needed to pair a remote.",
        source: "none found in the makers' published owner's manuals",
    },
];

/// The entry for a make (case-insensitive), if one is on file.
pub fn reinit_for(make: &str) -> Option<&'static Reinit> {
    REINIT
        .iter()
        .find(|r| r.makes.iter().any(|m| m.eq_ignore_ascii_case(make)))
}

/// The sentence to show for a make: the entry cited, or a plain word that none is on file.
pub fn reinit_text(make: &str) -> String {
    match reinit_for(make) {
        Some(r) => r.cited(),
        None => format!(
            "No re-initialisation procedure is on file for {make}: see the owner's manual, or a \
             dealer or locksmith."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::car_table::fcc_rows;

    #[test]
    fn the_biggest_makes_of_the_list_are_covered() {
        for make in [
            "Ford",
            "Lincoln",
            "Toyota",
            "Lexus",
            "Scion",
            "Nissan",
            "Infiniti",
            "Chevrolet",
            "GMC",
            "Buick",
            "Cadillac",
            "Honda",
            "Acura",
            "Chrysler",
            "Dodge",
            "Jeep",
            "Subaru",
            "Mazda",
            "Hyundai",
            "Kia",
        ] {
            let r = reinit_for(make).unwrap_or_else(|| panic!("{make}: no entry"));
            assert!(!r.source.is_empty() && r.text.len() > 60, "{make}");
            assert!(
                fcc_rows().iter().any(|v| v.make == make),
                "{make} not in the list"
            );
        }
        assert!(reinit_for("mitsubishi").is_none());
        assert!(reinit_text("Mitsubishi").contains("dealer or locksmith"));
    }

    #[test]
    fn tool_entries_say_a_tool_is_needed_and_onboard_ones_cite_a_maker() {
        for r in REINIT {
            match r.pairing {
                Pairing::Tool => assert!(r.text.contains("dealer or locksmith tool"), "{r:?}"),
                Pairing::Onboard => assert!(
                    ["owner's", "service", "repair"]
                        .iter()
                        .any(|w| r.source.contains(w)),
                    "{r:?}"
                ),
            }
        }
    }
}
