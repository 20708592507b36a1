//! Erasures announced to every server: each `PostgresStore` keeps one connection (outside the
//! pool) that `LISTEN`s on [`ERASED_CHANNEL`] and hands each erased shopper's id to the
//! server's subscribers. When the database goes away it reconnects, every second, by itself,
//! and then announces [`Erasure::Missed`]: a notification sent while it was not listening is
//! lost, so every live conversation asks the store once whether its shopper is still there.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, NoTls};

use super::schema::ERASED_CHANNEL;
use crate::profile::conversations::Erasure;
use crate::profile::id::ShopperId;

/// Runs until the store's runtime shuts down.
pub(super) async fn listen(config: tokio_postgres::Config, erased: broadcast::Sender<Erasure>) {
    // Whether a connection was lost since the last time one listened.
    let mut lost = false;
    loop {
        match listen_once(&config, &erased, lost).await {
            Err(error) => tracing::debug!(%error, "erasure listener lost its connection; reconnecting"),
            Ok(()) => tracing::debug!("erasure listener's connection closed; reconnecting"),
        }
        lost = true;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    erased: &broadcast::Sender<Erasure>,
    after_loss: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let sender = erased.clone();
    // The connection must be polled for the LISTEN below to complete, and for notifications.
    let messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    let driver = tokio::spawn(messages.for_each(move |message| {
        match message {
            Ok(AsyncMessage::Notification(note)) if note.channel() == ERASED_CHANNEL => {
                match note.payload().parse::<ShopperId>() {
                    // Nobody subscribed is not an error: no conversation to end.
                    Ok(shopper) => drop(sender.send(Erasure::Shopper(shopper))),
                    Err(_) => tracing::warn!(payload = note.payload(), "erasure notice without a shopper id"),
                }
            }
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "erasure listener connection"),
        }
        std::future::ready(())
    }));
    client.batch_execute(&format!("LISTEN {ERASED_CHANNEL}")).await?;
    if after_loss {
        tracing::info!("erasure listener reconnected; live conversations check their shoppers");
        let _ = erased.send(Erasure::Missed);
    }
    let _ = driver.await;
    Ok(())
}
