// Where this page finds its backend. To use the page with your deployed stack, copy the widget
// folder and change these values (the stack's outputs give the API URL).
window.CHAT_WIDGET_CONFIG = {
  // Base URL of the API: POST {apiBaseUrl}/chat, /attachments/start, /attachments/complete.
  apiBaseUrl: "http://127.0.0.1:9000",
  // Region of your Amazon Connect instance.
  region: "us-east-1",
  // Participant Service endpoint. Leave null for Amazon Connect's own
  // (https://participant.connect.<region>.amazonaws.com); the local stack uses connect-local.
  participantEndpoint: "http://127.0.0.1:4010",
};
