//! A generator of realistic key-fob captures: line codes, KeeLoq and fixed-code words, FSK, and
//! the impairments of real radios and dying batteries.
