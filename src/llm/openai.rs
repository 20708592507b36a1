//! The real model: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
//! llama.cpp's server), through async-openai.
//!
//! Structured output is asked for with `response_format: json_schema`, which llama.cpp and
//! vLLM enforce with a grammar, rather than free-form tool calls small models get wrong.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, CompletionUsage, CreateChatCompletionRequest,
    ResponseFormat, ResponseFormatJsonSchema,
};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

use super::{Chunk, Completion, LanguageModel, LlmError, Message, Request, Role, Usage};

/// A client for one model at one endpoint.
pub struct OpenAiModel {
    client: Client<OpenAIConfig>,
    model: String,
}

impl OpenAiModel {
    /// `base_url` ends in `/v1` for most servers (`http://127.0.0.1:11434/v1` for Ollama).
    /// `connect_timeout` bounds connecting; each call's own deadline is the adapter's.
    pub fn new(base_url: &str, model: &str, api_key: Option<&str>, connect_timeout: Duration) -> OpenAiModel {
        let mut config = OpenAIConfig::new().with_api_base(base_url.trim_end_matches('/'));
        // Local servers take any key; OpenAI's needs the real one.
        config = config.with_api_key(api_key.unwrap_or("none"));
        let http = reqwest::Client::builder().connect_timeout(connect_timeout).build().unwrap_or_default();
        OpenAiModel { client: Client::with_config(config).with_http_client(http), model: model.to_string() }
    }

    fn request(&self, request: Request, stream: bool) -> CreateChatCompletionRequest {
        CreateChatCompletionRequest {
            model: self.model.clone(),
            messages: request.messages.into_iter().map(message).collect(),
            max_completion_tokens: Some(request.max_tokens),
            // Low temperature: the model extracts and rewords, it is not asked to be creative.
            temperature: Some(0.2),
            response_format: request.schema.map(|(name, schema)| ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema { description: None, name, schema, strict: Some(true) },
            }),
            stream_options: stream
                .then_some(ChatCompletionStreamOptions { include_usage: Some(true), ..Default::default() }),
            ..Default::default()
        }
    }
}

fn message(message: Message) -> ChatCompletionRequestMessage {
    match message.role {
        Role::System => ChatCompletionRequestSystemMessage::from(message.content).into(),
        Role::User => ChatCompletionRequestUserMessage::from(message.content).into(),
        Role::Assistant => ChatCompletionRequestAssistantMessage::from(message.content).into(),
    }
}

fn usage(usage: &CompletionUsage) -> Usage {
    Usage { prompt: u64::from(usage.prompt_tokens), completion: u64::from(usage.completion_tokens) }
}

fn endpoint(error: OpenAIError) -> LlmError {
    match error {
        OpenAIError::JSONDeserialize(e, _) => LlmError::Invalid(format!("not a chat completion: {e}")),
        other => LlmError::Endpoint(other.to_string()),
    }
}

impl LanguageModel for OpenAiModel {
    fn complete(&self, request: Request) -> BoxFuture<'_, Result<Completion, LlmError>> {
        let request = self.request(request, false);
        Box::pin(async move {
            let response = self.client.chat().create(request).await.map_err(endpoint)?;
            let text = response
                .choices
                .into_iter()
                .next()
                .and_then(|choice| choice.message.content)
                .ok_or_else(|| LlmError::Invalid("the answer has no text".into()))?;
            Ok(Completion { text, usage: response.usage.as_ref().map(usage) })
        })
    }

    fn stream(&self, request: Request) -> BoxFuture<'_, Result<BoxStream<'static, Result<Chunk, LlmError>>, LlmError>> {
        let request = self.request(request, true);
        Box::pin(async move {
            let stream = self.client.chat().create_stream(request).await.map_err(endpoint)?;
            let chunks = stream.flat_map(|item| {
                let chunks: Vec<Result<Chunk, LlmError>> = match item {
                    Err(error) => vec![Err(endpoint(error))],
                    Ok(response) => {
                        let text = response.choices.into_iter().filter_map(|c| c.delta.content).collect::<String>();
                        let mut out = Vec::new();
                        if !text.is_empty() {
                            out.push(Ok(Chunk::Text(text)));
                        }
                        if let Some(u) = response.usage.as_ref() {
                            out.push(Ok(Chunk::Usage(usage(u))));
                        }
                        out
                    }
                };
                futures_util::stream::iter(chunks)
            });
            Ok(chunks.boxed())
        })
    }
}
