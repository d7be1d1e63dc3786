import { z } from "zod";

/**
 * Block Kit's documented limits as a zod schema (docs.slack.dev/reference/block-kit). Slack
 * rejects a whole message (invalid_blocks) when one limit is broken, so a card that renders
 * fine for a short title could vanish for a long one; the renderer truncates and
 * test/slack/blockKitLimits.test.ts checks every kind of message against this schema.
 */
export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  messageText: 40_000,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  /** Slack allows 2000; we keep values to 255 like action ids (an incident id fits). */
  buttonValue: 255,
  url: 3000,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  inputLabel: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  checkboxOptions: 10,
} as const;

const plain = (max: number) => z.object({ type: z.literal("plain_text"), text: z.string().min(1).max(max) });
const anyText = (max: number) =>
  z.object({ type: z.enum(["plain_text", "mrkdwn"]), text: z.string().min(1).max(max) });
const blockId = z.string().max(LIMITS.blockId).optional();

const confirmSchema = z.object({
  title: plain(LIMITS.confirmTitle),
  text: anyText(LIMITS.confirmText),
  confirm: plain(LIMITS.confirmButton),
  deny: plain(LIMITS.confirmButton),
  style: z.enum(["primary", "danger"]).optional(),
});

const buttonSchema = z.object({
  type: z.literal("button"),
  text: plain(LIMITS.buttonText),
  action_id: z.string().min(1).max(LIMITS.actionId),
  value: z.string().max(LIMITS.buttonValue).optional(),
  url: z.string().url().max(LIMITS.url).optional(),
  style: z.enum(["primary", "danger"]).optional(),
  confirm: confirmSchema.optional(),
});

const optionSchema = z.object({
  text: anyText(LIMITS.optionText),
  value: z.string().max(LIMITS.optionValue),
});

export const BlockSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("header"), text: plain(LIMITS.headerText), block_id: blockId }),
  z
    .object({
      type: z.literal("section"),
      text: anyText(LIMITS.sectionText).optional(),
      fields: z.array(anyText(LIMITS.fieldText)).min(1).max(LIMITS.sectionFields).optional(),
      block_id: blockId,
    })
    .refine((s) => s.text || s.fields, "a section needs text or fields"),
  z.object({
    type: z.literal("context"),
    elements: z.array(anyText(LIMITS.sectionText)).min(1).max(LIMITS.contextElements),
    block_id: blockId,
  }),
  z.object({
    type: z.literal("actions"),
    elements: z.array(buttonSchema).min(1).max(LIMITS.actionsElements),
    block_id: blockId,
  }),
  z.object({ type: z.literal("divider"), block_id: blockId }),
  z.object({
    type: z.literal("input"),
    label: plain(LIMITS.inputLabel),
    block_id: blockId,
    optional: z.boolean().optional(),
    element: z.discriminatedUnion("type", [
      z.object({
        type: z.literal("plain_text_input"),
        action_id: z.string().min(1).max(LIMITS.actionId),
        multiline: z.boolean().optional(),
        max_length: z.number().int().max(3000).optional(),
        placeholder: plain(LIMITS.placeholder).optional(),
      }),
      z.object({
        type: z.literal("checkboxes"),
        action_id: z.string().min(1).max(LIMITS.actionId),
        options: z.array(optionSchema).min(1).max(LIMITS.checkboxOptions),
      }),
    ]),
  }),
]);

export const MessageSchema = z.object({
  text: z.string().min(1).max(LIMITS.messageText),
  blocks: z.array(BlockSchema).max(LIMITS.blocksPerMessage),
});
export type SlackMessage = z.infer<typeof MessageSchema>;
export type SlackBlock = z.infer<typeof BlockSchema>;

export const ModalSchema = z.object({
  type: z.literal("modal"),
  callback_id: z.string().max(LIMITS.callbackId),
  private_metadata: z.string().max(LIMITS.privateMetadata).optional(),
  title: plain(LIMITS.modalTitle),
  submit: plain(LIMITS.modalButton).optional(),
  close: plain(LIMITS.modalButton).optional(),
  blocks: z.array(BlockSchema).max(LIMITS.blocksPerModal),
});
export type SlackModal = z.infer<typeof ModalSchema>;
