//! Compact bodies: a version's raw body stored as a zstd frame compressed with a full body
//! of the same article as its dictionary, so that versions which share nearly all their HTML
//! cost only what differs.
//!
//! Layout of a delta entry in `bodies`: tag [`TAG_DELTA`], the base's blake3 (32 raw bytes),
//! the entry's place in its group (1..[`GROUP`]), the zstd frame. The base is always a full
//! body (tag 2): each delta refers straight to its group's full body, never to another
//! delta, so reading any version costs two decompressions however long the history. A group
//! holds up to [`GROUP`] - 1 deltas; the next body, or one that shares too little with the
//! base to gain from it, starts a new group as a full body. Keys stay the blake3 of the raw
//! bytes, and bodies are never deleted, so a base outlives its deltas.

use super::{Store, codec, keys};
use crate::error::Result;

/// Format tag of a delta entry.
pub(crate) const TAG_DELTA: u8 = 3;
/// Bodies per group, the full one included: up to 31 versions in a row cost a delta each.
pub(crate) const GROUP: u8 = 32;
/// A delta is kept only when it is smaller than this fraction of the body compressed alone
/// (1/`WORTH`); otherwise the body is stored whole and starts a group.
const WORTH: usize = 2;

thread_local! {
    /// The decoder for the last base read on this thread: versions of one article are
    /// read together (a history, an export), and all of a group's deltas share its base, so
    /// the base is decompressed and prepared as a dictionary once per group, not per read.
    static DECODER: std::cell::RefCell<Option<([u8; 32], zstd::bulk::Decompressor<'static>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The parts of a delta entry (after its tag).
struct Delta<'a> {
    base: [u8; 32],
    place: u8,
    frame: &'a [u8],
}

fn parse(rest: &[u8]) -> Option<Delta<'_>> {
    let base = rest.get(..32)?.try_into().ok()?;
    let place = *rest.get(32)?;
    Some(Delta {
        base,
        place,
        frame: rest.get(33..)?,
    })
}

impl Store {
    /// `raw` as a delta entry against the group of the body `previous` (the article's
    /// latest), when that group has room and the delta is worth it; `full` is the body
    /// compressed alone, to compare with.
    pub(crate) fn delta_against(
        &self,
        raw: &[u8],
        previous: &str,
        full_len: usize,
    ) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.bodies.get(previous).map_err(|e| self.sled_err(e))? else {
            return Ok(None);
        };
        let (base_hex, place) = match entry.split_first() {
            Some((&super::bodies::TAG_ZSTD, _)) => (previous.to_owned(), 0),
            Some((&TAG_DELTA, rest)) => match parse(rest) {
                Some(d) => (
                    blake3::Hash::from_bytes(d.base).to_hex().to_string(),
                    d.place,
                ),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        if place + 1 >= GROUP {
            return Ok(None);
        }
        let Some(base) = self.raw_body(&base_hex)? else {
            return Ok(None);
        };
        let name = keys::show(keys::tree::BODIES, base_hex.as_bytes());
        let frame = zstd::bulk::Compressor::with_dictionary(codec::ZSTD_LEVEL, &base)
            .and_then(|mut c| c.compress(raw))
            .map_err(|e| codec::corrupt(&name, e))?;
        if frame.len() * WORTH >= full_len {
            return Ok(None);
        }
        let base_raw = blake3::Hash::from_hex(&base_hex).map_err(|e| codec::corrupt(&name, e))?;
        let mut out = Vec::with_capacity(34 + frame.len());
        out.push(TAG_DELTA);
        out.extend_from_slice(base_raw.as_bytes());
        out.push(place + 1);
        out.extend(frame);
        Ok(Some(out))
    }

    /// The raw body of delta entry `rest` (after its tag), stored under `name`.
    pub(crate) fn read_delta(&self, name: &keys::Named<'_>, rest: &[u8]) -> Result<Vec<u8>> {
        let d = parse(rest).ok_or_else(|| codec::corrupt(name, "truncated delta entry"))?;
        let capacity = zstd::bulk::Decompressor::upper_bound(d.frame)
            .ok_or_else(|| codec::corrupt(name, "delta frame records no size"))?;
        DECODER.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(base, _)| *base != d.base) {
                *slot = Some((d.base, self.base_decoder(name, &d)?));
            }
            match slot.as_mut() {
                Some((_, z)) => z
                    .decompress(d.frame, capacity)
                    .map_err(|e| codec::corrupt(name, e)),
                None => Err(codec::corrupt(name, "no decoder")),
            }
        })
    }

    /// A decoder with the whole body `d.base` as its dictionary.
    fn base_decoder(
        &self,
        name: &keys::Named<'_>,
        d: &Delta<'_>,
    ) -> Result<zstd::bulk::Decompressor<'static>> {
        let base_hex = blake3::Hash::from_bytes(d.base).to_hex().to_string();
        let base_entry = self
            .bodies
            .get(base_hex.as_bytes())
            .map_err(|e| self.sled_err(e))?
            .ok_or_else(|| codec::corrupt(name, format!("its base body {base_hex} is missing")))?;
        let base = match base_entry.split_first() {
            Some((&super::bodies::TAG_ZSTD, frame)) => {
                codec::decompress(frame).map_err(|e| codec::corrupt(name, e))?
            }
            _ => return Err(codec::corrupt(name, "its base is not a whole body")),
        };
        zstd::bulk::Decompressor::with_dictionary(&base).map_err(|e| codec::corrupt(name, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of about 60 KB whose ad slot and one paragraph change with `n`.
    fn page(n: usize) -> Vec<u8> {
        let mut s = String::from("<html><head><title>t</title></head><body>");
        for i in 0..600 {
            s.push_str(&format!(
                "<p class=\"para-{i}\">Paragraph {i} of the story goes on.</p>"
            ));
        }
        s.push_str(&format!("<div class=ad>advert {}</div>", n * 7919));
        s.push_str(&format!("<p>Edit number {n}.</p></body></html>"));
        s.into_bytes()
    }

    /// Stores `raw` as the store would after `previous`; returns its hash and entry tag.
    fn put(store: &Store, raw: &[u8], previous: Option<&str>) -> (String, u8) {
        let body = store.prepare_body(raw, previous).unwrap();
        let packed = body.packed.clone().unwrap();
        store
            .bodies
            .insert(body.hash.as_bytes(), packed.as_slice())
            .unwrap();
        (body.hash, packed[0])
    }

    #[test]
    fn deltas_read_back_exactly_and_groups_start_anew() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut previous: Option<String> = None;
        let mut tags = Vec::new();
        for n in 0..(GROUP as usize + 3) {
            let raw = page(n);
            let (hash, tag) = put(&store, &raw, previous.as_deref());
            assert_eq!(store.raw_body(&hash).unwrap().unwrap(), raw, "body {n}");
            tags.push(tag);
            previous = Some(hash);
        }
        assert_eq!(tags[0], super::super::bodies::TAG_ZSTD);
        assert!(
            tags[1..GROUP as usize].iter().all(|&t| t == TAG_DELTA),
            "{tags:?}"
        );
        assert_eq!(tags[GROUP as usize], super::super::bodies::TAG_ZSTD);
        assert_eq!(tags[GROUP as usize + 1], TAG_DELTA);
    }

    #[test]
    fn an_unrelated_body_is_stored_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (first, _) = put(&store, &page(0), None);
        let other: Vec<u8> = (0..60_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let (hash, tag) = put(&store, &other, Some(&first));
        assert_eq!(tag, super::super::bodies::TAG_ZSTD);
        assert_eq!(store.raw_body(&hash).unwrap().unwrap(), other);
    }

    #[test]
    fn a_delta_whose_base_is_gone_is_corrupt_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (first, _) = put(&store, &page(0), None);
        let (second, tag) = put(&store, &page(1), Some(&first));
        assert_eq!(tag, TAG_DELTA);
        store.bodies.remove(first.as_bytes()).unwrap();
        assert!(matches!(
            store.raw_body(&second),
            Err(crate::error::Error::Corrupt { .. })
        ));
    }
}
