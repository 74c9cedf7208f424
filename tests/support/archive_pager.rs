//! Pages a whole archive backwards as the worker does (XEP-0313), storing
//! nothing: the reference the archive benchmarks compare with.

use std::time::{Duration, Instant};

use balcony::core::xmpp::modules::x0313_mam;
use tokio_xmpp::{IqRequest, Stanza};
use xmpp_parsers::{
    iq::Iq,
    mam::{Fin, QueryId},
};

use super::peer::Peer;

/// Pages the whole archive backwards like the worker does, storing nothing.
pub async fn bare_pager(pager: &mut Peer) -> (usize, Duration) {
    let start = Instant::now();
    let (mut before, mut seen) = (String::new(), 0usize);
    for page in 0.. {
        let mut query = x0313_mam::page_query(&before, None);
        query.queryid = Some(QueryId(format!("bare{page}")));
        let id = pager.send_iq(None, IqRequest::Set(query.into())).await;
        // Results arrive before the answer; anything else is not counted.
        let fin = loop {
            match pager.next_stanza(Duration::from_secs(10)).await {
                Some(Stanza::Message(m))
                    if m.payloads.iter().any(|p| p.is("result", xmpp_parsers::ns::MAM)) =>
                {
                    seen += 1
                }
                Some(Stanza::Iq(Iq::Result { id: got, payload, .. })) if got == id => {
                    break Fin::try_from(payload.expect("fin")).expect("fin")
                }
                Some(Stanza::Iq(Iq::Error { id: got, error, .. })) if got == id => {
                    panic!("MAM query failed: {error:?}")
                }
                Some(_) => {}
                None => panic!("no MAM answer within 10 s"),
            }
        };
        match (fin.complete, fin.set.first) {
            (false, Some(first)) => before = first.item,
            _ => break,
        }
    }
    (seen, start.elapsed())
}
