//! Redirects are never followed: a 301/302/303/307/308 whose `Location` names another port
//! (a listener that never accepts) ends the run with one error line, and nothing ever
//! connects to that port — the credentials reach only the configured base URL.

use super::Provider;
use crate::child::{Case, case, run, run_cases};
use crate::server::{Server, Step, Trap, http};

fn redirect(provider: Provider, status: u16, relative: bool) -> Case {
    let kind = if relative {
        "on the same server"
    } else {
        "to another port"
    };
    case(format!("{}: {status} {kind}", provider.name()), move || {
        let trap = Trap::new();
        let location = match (provider, relative) {
            (_, true) => "/elsewhere/conversations".to_owned(),
            (Provider::Autocalls, false) => {
                format!("http://{}/api/user/conversations?per_page=15", trap.addr())
            }
            (Provider::Asapp, false) => format!(
                "http://{}/conversation/v1/conversations?externalId=id-111",
                trap.addr()
            ),
        };
        let server = Server::start(move |_| {
            vec![Step::Send(http(
                status,
                &[("location", &location)],
                b"<html><body>Moved</body></html>",
            ))]
        });
        let out = run(provider.list(&server, &[]));
        out.ended_with(1)
            .one_line_naming(provider.name())
            .stderr_has(&["redirect", &status.to_string()]);
        assert_eq!(server.requests(), 1, "not followed: {}", out.show());
        assert_eq!(
            trap.connections(),
            0,
            "the other port was reached: {}",
            out.show()
        );
    })
}

#[test]
fn redirects_are_never_followed() {
    let mut cases = Vec::new();
    for provider in [Provider::Autocalls, Provider::Asapp] {
        for status in [301, 302, 303, 307, 308] {
            cases.push(redirect(provider, status, false));
        }
        cases.push(redirect(provider, 307, true));
    }
    run_cases(cases);
}
