//! XEP-0077 In-Band Registration: creating an account on a server before
//! logging in. The server's data form (XEP-0004) is used when it offers
//! one; otherwise the plain fields. The connection is TLS, like every other.

use std::{collections::BTreeMap, fmt, time::Duration};

use futures::{SinkExt, StreamExt};
use tokio_xmpp::{
    connect::ServerConnector,
    jid::Jid,
    minidom::Element,
    parsers::{
        data_forms::{DataForm, DataFormType, FieldType},
        iq::Iq,
        ns,
        stanza_error::{DefinedCondition, StanzaError},
    },
    stanzastream::XmppStream,
    xmlstream::{FallibleStreamElement, ReadError, Timeouts, XmppStreamElement},
    Stanza,
};

use crate::core::xmpp::{
    connection::connector::AccountConnector, connection::error::ConnectError,
    connection::login::LOGIN_TIMEOUT,
};
use crate::core::{account::AccountConfig, credentials::Password, forms};

/// How long the server may take to answer one registration request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// Why registering failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// Connecting failed.
    #[error("{0}")]
    Connect(ConnectError),
    /// The server does not offer in-band registration.
    #[error("the server does not allow creating accounts here")]
    NotSupported,
    /// The username is taken.
    #[error("the username is already taken")]
    Conflict,
    /// A required field was left empty.
    #[error("“{0}” is required")]
    MissingField(String),
    /// The server refused what was submitted.
    #[error("the server refused the registration: {0}")]
    Refused(String),
    /// The server's answer made no sense.
    #[error("unexpected answer from the server: {0}")]
    Malformed(String),
    /// No answer in time.
    #[error("the server did not answer in time")]
    Timeout,
}

/// One field the server asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationField {
    /// The field's name (`username`, `password`, `email`, …).
    pub var: String,
    /// A label for people.
    pub label: String,
    /// Whether it must be filled in.
    pub required: bool,
    /// Whether it is secret (shown as dots, never logged).
    pub private: bool,
}

/// What the server wants for a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationForm {
    /// The form's title, if any.
    pub title: Option<String>,
    /// Instructions for people.
    pub instructions: Option<String>,
    /// The fields to fill in, in the server's order (hidden ones left out).
    pub fields: Vec<RegistrationField>,
    /// The data form's XML, when the server offered one (it is submitted
    /// back, filled in).
    form: Option<String>,
}

impl RegistrationForm {
    /// Whether the server offered a data form (XEP-0004).
    pub fn is_data_form(&self) -> bool {
        self.form.is_some()
    }

    /// The form to show: the server's data form, or the plain fields as
    /// one (all required; the password secret).
    pub fn to_form(&self) -> forms::Form {
        if let Some(form) = self
            .form
            .as_deref()
            .and_then(|xml| xml.parse::<Element>().ok())
            .and_then(|x| forms::parse(&x).ok())
        {
            return form;
        }
        let mut form = forms::Form::new(forms::FormKind::Form);
        form.title = self.title.clone();
        form.instructions = self.instructions.iter().cloned().collect();
        for f in &self.fields {
            let kind = if f.private {
                forms::FieldKind::TextPrivate
            } else {
                forms::FieldKind::TextSingle
            };
            let mut field = forms::Field::new(&f.var, kind);
            field.label = Some(f.label.clone());
            field.required = f.required;
            form.fields.push(field);
        }
        form
    }
}

impl Answers {
    /// The answers in a filled-in form (the `password` field kept apart).
    pub fn from_form(form: &forms::Form) -> Self {
        let mut answers = Answers::default();
        for field in &form.fields {
            let Some(var) = &field.var else { continue };
            if matches!(field.kind, forms::FieldKind::Fixed | forms::FieldKind::Hidden) {
                continue;
            }
            let value = field.values.join("\n");
            if var == "password" {
                answers.password = Some(Password::new(&value));
            } else {
                answers.values.insert(var.clone(), value);
            }
        }
        answers
    }
}

fn legacy_label(var: &str) -> String {
    let mut chars = var.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Reads the answer to the registration fields request.
pub fn parse_form(query: &Element) -> Result<RegistrationForm, RegistrationError> {
    if !query.is("query", ns::REGISTER) {
        return Err(RegistrationError::Malformed("not a registration query".into()));
    }
    if query.get_child("registered", ns::REGISTER).is_some() {
        return Err(RegistrationError::Malformed("already registered".into()));
    }
    let instructions = query.get_child("instructions", ns::REGISTER).map(|i| i.text());
    if let Some(x) = query.get_child("x", ns::DATA_FORMS) {
        let form = DataForm::try_from(x.clone()).map_err(|e| RegistrationError::Malformed(e.to_string()))?;
        let fields = form
            .fields
            .iter()
            .filter(|f| !matches!(f.type_, FieldType::Hidden | FieldType::Fixed))
            .filter_map(|f| {
                let var = f.var.clone()?;
                Some(RegistrationField {
                    label: f.label.clone().unwrap_or_else(|| legacy_label(&var)),
                    required: f.required,
                    private: f.type_ == FieldType::TextPrivate,
                    var,
                })
            })
            .collect();
        return Ok(RegistrationForm {
            title: form.title.clone(),
            instructions: form.instructions.clone().or(instructions),
            fields,
            form: Some(String::from(x)),
        });
    }
    let fields = query
        .children()
        .filter(|c| c.ns() == ns::REGISTER && !matches!(c.name(), "instructions" | "registered" | "key"))
        .map(|c| RegistrationField {
            var: c.name().to_owned(),
            label: legacy_label(c.name()),
            // Plain fields (XEP-0077 §3.1) are all required.
            required: true,
            private: c.name() == "password",
        })
        .collect();
    Ok(RegistrationForm {
        title: None,
        instructions,
        fields,
        form: None,
    })
}

/// What the user filled in: field name to value. The password is kept
/// apart so that it is never printed.
#[derive(Clone, Default)]
pub struct Answers {
    /// Every other field.
    pub values: BTreeMap<String, String>,
    /// The `password` field.
    pub password: Option<Password>,
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answers")
            .field("values", &self.values)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl Answers {
    fn get(&self, var: &str) -> Option<&str> {
        match var {
            "password" => self.password.as_ref().map(|p| p.expose()),
            _ => self.values.get(var).map(String::as_str),
        }
        .filter(|v| !v.trim().is_empty())
    }
}

/// The `<query/>` that submits `answers` to `form`.
pub fn submission(form: &RegistrationForm, answers: &Answers) -> Result<Element, RegistrationError> {
    if let Some(missing) = form
        .fields
        .iter()
        .find(|f| f.required && answers.get(&f.var).is_none())
    {
        return Err(RegistrationError::MissingField(missing.label.clone()));
    }
    let mut query = Element::builder("query", ns::REGISTER);
    match &form.form {
        Some(offered) => {
            let mut filled = offered
                .parse::<Element>()
                .ok()
                .and_then(|e| DataForm::try_from(e).ok())
                .ok_or_else(|| RegistrationError::Malformed("the offered form".into()))?;
            filled.type_ = DataFormType::Submit;
            filled.title = None;
            filled.instructions = None;
            for field in filled.fields.iter_mut() {
                field.label = None;
                field.desc = None;
                field.options.clear();
                field.media.clear();
                field.validate = None;
                if matches!(field.type_, FieldType::Hidden | FieldType::Fixed) {
                    continue;
                }
                let answer = field.var.as_deref().and_then(|v| answers.get(v));
                field.values = answer.map(|a| vec![a.to_owned()]).unwrap_or_default();
            }
            filled.fields.retain(|f| f.type_ != FieldType::Fixed);
            query = query.append(Element::from(filled));
        }
        None => {
            for field in &form.fields {
                let value = answers.get(&field.var).unwrap_or_default();
                query = query.append(
                    Element::builder(field.var.as_str(), ns::REGISTER)
                        .append(value)
                        .build(),
                );
            }
        }
    }
    Ok(query.build())
}

fn refused(error: &StanzaError) -> RegistrationError {
    let text = error.texts.values().next().cloned();
    match error.defined_condition {
        DefinedCondition::Conflict => RegistrationError::Conflict,
        DefinedCondition::ServiceUnavailable | DefinedCondition::FeatureNotImplemented => {
            RegistrationError::NotSupported
        }
        ref other => RegistrationError::Refused(text.unwrap_or_else(|| format!("{other:?}"))),
    }
}

/// The most further stages a registration may ask for.
const MAX_STAGES: u32 = 8;

/// A further stage in the answer to a submission: a registration query
/// carrying a data form to fill (`type='form'`). A result form, or none,
/// means the account was created.
pub fn next_stage(answer: &Element) -> Option<RegistrationForm> {
    let x = answer.get_child("x", ns::DATA_FORMS)?;
    if x.attr("type") != Some("form") {
        return None;
    }
    parse_form(answer).ok().filter(|f| !f.fields.is_empty())
}

/// A connection to a server, ready to register an account.
pub struct Registration {
    stream: XmppStream,
    server: Jid,
    form: RegistrationForm,
    next_id: u32,
    stages: u32,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("server", &self.server)
            .finish()
    }
}

impl Registration {
    /// Connects to `config`'s server and asks what a new account needs.
    pub async fn start(
        config: &AccountConfig,
        connector: &AccountConnector,
    ) -> Result<Self, RegistrationError> {
        let server = Jid::from(config.jid.domain().to_owned());
        let classify = |e: tokio_xmpp::Error| {
            RegistrationError::Connect(ConnectError::classify(e, connector.tls().take_rejected()))
        };
        let connect = async {
            let (pending, _) = connector
                .connect(&server, ns::JABBER_CLIENT, Timeouts::default())
                .await
                .map_err(classify)?;
            pending.recv_features().await.map_err(|e| classify(e.into()))
        };
        let (features, stream) = tokio::time::timeout(LOGIN_TIMEOUT, connect)
            .await
            .map_err(|_| RegistrationError::Timeout)??;
        // No login on this stream: its bytes pass untouched.
        if let Some(capture) = connector.take_capture() {
            capture.disarm();
        }
        if !features.in_band_registration {
            return Err(RegistrationError::NotSupported);
        }
        let mut registration = Registration {
            stream: stream.box_stream(),
            server,
            form: RegistrationForm {
                title: None,
                instructions: None,
                fields: Vec::new(),
                form: None,
            },
            next_id: 0,
            stages: 0,
        };
        let answer = registration
            .request(false, Element::builder("query", ns::REGISTER).build())
            .await?
            .ok_or_else(|| RegistrationError::Malformed("empty answer".into()))?;
        registration.form = parse_form(&answer)?;
        Ok(registration)
    }

    /// What the server asks for.
    pub fn form(&self) -> &RegistrationForm {
        &self.form
    }

    /// Submits `answers`. `Ok(None)`: the account exists; log in as usual.
    /// `Ok(Some(form))`: the server asks for more in a further stage (as
    /// Kontalk's registration asks for the verification code it sent),
    /// which [`Self::form`] now is. After an error the form may be
    /// corrected and submitted again.
    pub async fn submit(&mut self, answers: &Answers) -> Result<Option<RegistrationForm>, RegistrationError> {
        if self.stages >= MAX_STAGES {
            return Err(RegistrationError::Malformed(
                "too many registration stages".into(),
            ));
        }
        let query = submission(&self.form, answers)?;
        let answer = self.request(true, query).await?;
        match answer.as_ref().and_then(next_stage) {
            Some(next) => {
                self.stages += 1;
                self.form = next.clone();
                Ok(Some(next))
            }
            None => Ok(None),
        }
    }

    /// Sends an IQ to the server and waits for its answer.
    async fn request(
        &mut self,
        is_set: bool,
        payload: Element,
    ) -> Result<Option<Element>, RegistrationError> {
        self.next_id += 1;
        let id = format!("reg{}", self.next_id);
        let to = Some(self.server.clone());
        let iq = if is_set {
            Iq::Set {
                from: None,
                to,
                id: id.clone(),
                payload,
            }
        } else {
            Iq::Get {
                from: None,
                to,
                id: id.clone(),
                payload,
            }
        };
        let lost = |e: &dyn fmt::Display| {
            RegistrationError::Connect(ConnectError::Unreachable {
                detail: e.to_string(),
            })
        };
        self.stream
            .send(&XmppStreamElement::Stanza(Stanza::Iq(iq)))
            .await
            .map_err(|e| lost(&e))?;
        let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .map_err(|_| RegistrationError::Timeout)?;
            match next {
                Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::Stanza(Stanza::Iq(answer))))) => {
                    match answer {
                        Iq::Result { id: got, payload, .. } if got == id => return Ok(payload),
                        Iq::Error { id: got, error, .. } if got == id => return Err(refused(&error)),
                        other => tracing::debug!(id = other.id(), "unrelated IQ during registration"),
                    }
                }
                Some(Ok(other)) => tracing::debug!(?other, "ignored during registration"),
                Some(Err(ReadError::SoftTimeout)) => {}
                Some(Err(e)) => return Err(lost(&e)),
                None => return Err(lost(&"the server closed the connection")),
            }
        }
    }
}

/// Changes the logged-in account's password (XEP-0077 §3.3): an IQ set to
/// our server with our username and the new password.
pub async fn change_password(
    ctx: &crate::core::xmpp::session::context::SessionContext,
    new: &Password,
) -> Result<(), crate::core::xmpp::session::outgoing::IqError> {
    let username = ctx.account.node().map(|n| n.to_string()).unwrap_or_default();
    let query = Element::builder("query", ns::REGISTER)
        .append(
            Element::builder("username", ns::REGISTER)
                .append(username)
                .build(),
        )
        .append(
            Element::builder("password", ns::REGISTER)
                .append(new.expose().to_owned())
                .build(),
        )
        .build();
    ctx.out.set(None, query).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(xml: &str) -> Element {
        xml.parse().expect("xml")
    }

    const WITH_FORM: &str = "<query xmlns='jabber:iq:register'><instructions>Choose</instructions>\
        <username/><password/><x xmlns='jabber:x:data' type='form'><title>New account</title>\
        <field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>\
        <field var='username' type='text-single' label='Username'><required/></field>\
        <field var='password' type='text-private' label='Password'><required/></field>\
        <field var='email' type='text-single' label='Email'><required/></field></x></query>";

    fn answers(email: &str) -> Answers {
        Answers {
            values: [
                ("username".to_owned(), "mercutio".to_owned()),
                ("email".to_owned(), email.to_owned()),
            ]
            .into_iter()
            .collect(),
            password: Some(Password::new("queen-mab")),
        }
    }

    #[test]
    fn a_data_form_is_preferred_and_submitted_back() {
        let form = parse_form(&element(WITH_FORM)).expect("form");
        assert!(form.is_data_form());
        assert_eq!(form.title.as_deref(), Some("New account"));
        let vars: Vec<&str> = form.fields.iter().map(|f| f.var.as_str()).collect();
        assert_eq!(vars, ["username", "password", "email"]);
        assert!(form.fields[1].private);
        let xml = String::from(&submission(&form, &answers("m@verona.example")).expect("submission"));
        assert!(
            xml.contains("type=\"submit\"") || xml.contains("type='submit'"),
            "{xml}"
        );
        assert!(xml.contains("jabber:iq:register</value>"), "{xml}");
        assert!(xml.contains("<value>m@verona.example</value>"), "{xml}");
        assert!(xml.contains("<value>queen-mab</value>"), "{xml}");
    }

    #[test]
    fn a_required_field_left_empty_is_named() {
        let form = parse_form(&element(WITH_FORM)).expect("form");
        assert_eq!(
            submission(&form, &answers(" ")),
            Err(RegistrationError::MissingField("Email".into()))
        );
    }

    #[test]
    fn plain_fields_are_used_without_a_form() {
        let form = parse_form(&element(
            "<query xmlns='jabber:iq:register'><instructions>Hi</instructions><username/><password/></query>",
        ))
        .expect("form");
        assert!(!form.is_data_form());
        assert_eq!(form.instructions.as_deref(), Some("Hi"));
        let xml = String::from(&submission(&form, &answers("")).expect("submission"));
        assert!(xml.contains(">mercutio</username>"), "{xml}");
        assert!(!xml.contains("jabber:x:data"), "{xml}");
    }

    #[test]
    fn the_password_is_not_printed() {
        assert!(!format!("{:?}", answers("x")).contains("queen-mab"));
    }

    #[test]
    fn the_form_to_show_and_the_answers_it_gives() {
        let offered = parse_form(&element(WITH_FORM)).expect("form");
        let mut shown = offered.to_form();
        assert_eq!(shown.form_type(), Some("jabber:iq:register"));
        shown.set_values("username", vec!["mercutio".into()]);
        shown.set_values("password", vec!["queen-mab".into()]);
        shown.set_values("email", vec!["m@verona.example".into()]);
        let answers = Answers::from_form(&shown);
        assert_eq!(answers.password.as_ref().map(|p| p.expose()), Some("queen-mab"));
        assert!(!answers.values.contains_key("password") && !answers.values.contains_key("FORM_TYPE"));
        assert_eq!(
            answers.values.get("email").map(String::as_str),
            Some("m@verona.example")
        );

        let plain = parse_form(&element(
            "<query xmlns='jabber:iq:register'><instructions>Hi</instructions><username/><password/></query>",
        ))
        .expect("form")
        .to_form();
        let kinds: Vec<forms::FieldKind> = plain.fields.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [forms::FieldKind::TextSingle, forms::FieldKind::TextPrivate]
        );
        assert!(plain.fields.iter().all(|f| f.required));
        assert_eq!(plain.instructions, ["Hi"]);
    }
}
