/**
 * Which stream REMOVE records the local TTL sweeper caused (see ttl-sweeper.ts).
 *
 * DynamoDB marks the REMOVE record of a TTL deletion with
 * `userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" }`; moto does not, and its
 * DeleteItem answers with no sequence number. So the sweeper announces each deletion BEFORE it sends
 * the DeleteItem (a poller may read the REMOVE record before the DeleteItem's answer is handled), and
 * the stream record converter asks here whether a REMOVE record is one of them:
 *
 * - a REMOVE record of the same table and keys, not older (to the second) than the announcement, and,
 *   when the record carries an `OldImage`, whose TTL attribute is the value the sweeper saw, claims
 *   the oldest unclaimed announcement for those keys;
 * - a claim pins the record's sequence number, so every event source mapping of the same stream
 *   (each converts the record itself) gets the same answer, and a later, user-made REMOVE of the same
 *   keys does not;
 * - an announcement whose conditional DeleteItem failed (the item was rewritten) is withdrawn.
 *
 * Pure bookkeeping, no I/O. Entries are forgotten after 24 h, DynamoDB Streams' retention.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

/** What DynamoDB puts on the stream record of an item its TTL process deleted. */
export const TTL_USER_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

/** What the stream record converter needs: is this (converted) record the REMOVE of a TTL deletion? */
export interface TtlDeletionLookup {
  isTtlRemoval(tableName: string, record: DynamoDBRecord): boolean;
}

export interface TtlDeletionAnnouncement {
  /** The DeleteItem did not happen (its condition failed, or it errored): forget the announcement. */
  withdraw(): void;
}

export interface TtlDeletionsOptions {
  /** How long an announcement and a claimed sequence number are kept. @default 24 h */
  retentionMs?: number;
  /** @default Date.now */
  now?: () => number;
}

interface Announcement {
  tableName: string;
  key: string;
  ttlAttribute: string;
  ttlValue: string;
  announcedAtMs: number;
  sequenceNumber?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class TtlDeletions implements TtlDeletionLookup {
  private readonly retentionMs: number;
  private readonly now: () => number;
  /** `<table>\n<canonical keys>` → announcements in order. */
  private readonly byKey = new Map<string, Announcement[]>();
  /** `<table>\n<sequence number>` → the announcement that record claimed. */
  private readonly bySequenceNumber = new Map<string, Announcement>();
  private all: Announcement[] = [];

  constructor(options: TtlDeletionsOptions = {}) {
    this.retentionMs = options.retentionMs ?? DAY_MS;
    this.now = options.now ?? Date.now;
  }

  /** Number of announcements kept (claimed or not); for tests. */
  get size(): number {
    return this.all.length;
  }

  /**
   * Announces that the sweeper is about to delete the item with these keys (Lambda's attribute-value
   * shape: binary as base64) because `ttlAttribute` holds `ttlValue` (the number, as text).
   */
  announce(tableName: string, keys: Record<string, AttributeValue>, ttlAttribute: string, ttlValue: string): TtlDeletionAnnouncement {
    this.prune();
    const announcement: Announcement = {
      tableName,
      key: canonicalKey(keys),
      ttlAttribute,
      ttlValue,
      announcedAtMs: this.now(),
    };
    const slot = `${tableName}\n${announcement.key}`;
    const list = this.byKey.get(slot) ?? [];
    list.push(announcement);
    this.byKey.set(slot, list);
    this.all.push(announcement);
    return {
      withdraw: () => {
        // A record already claimed stays claimed: it was delivered as a TTL deletion.
        if (announcement.sequenceNumber !== undefined) return;
        this.forget(announcement);
      },
    };
  }

  isTtlRemoval(tableName: string, record: DynamoDBRecord): boolean {
    if (record.eventName !== 'REMOVE') return false;
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    const keys = record.dynamodb?.Keys;
    if (sequenceNumber === undefined || keys === undefined) return false;
    if (this.bySequenceNumber.has(`${tableName}\n${sequenceNumber}`)) return true;

    const candidates = this.byKey.get(`${tableName}\n${canonicalKey(keys)}`);
    if (candidates === undefined) return false;
    const createdAtSeconds = record.dynamodb?.ApproximateCreationDateTime;
    const oldImage = record.dynamodb?.OldImage;
    const claimed = candidates.find(
      (announcement) =>
        announcement.sequenceNumber === undefined &&
        // The record was written after the announcement (creation times are whole seconds).
        (createdAtSeconds === undefined || createdAtSeconds >= Math.floor(announcement.announcedAtMs / 1000) - 1) &&
        (oldImage === undefined || sameNumber(oldImage[announcement.ttlAttribute]?.N, announcement.ttlValue)),
    );
    if (claimed === undefined) return false;
    claimed.sequenceNumber = sequenceNumber;
    this.bySequenceNumber.set(`${tableName}\n${sequenceNumber}`, claimed);
    return true;
  }

  private forget(announcement: Announcement): void {
    const slot = `${announcement.tableName}\n${announcement.key}`;
    const list = this.byKey.get(slot)?.filter((other) => other !== announcement);
    if (list === undefined || list.length === 0) this.byKey.delete(slot);
    else this.byKey.set(slot, list);
    this.all = this.all.filter((other) => other !== announcement);
  }

  private prune(): void {
    const oldest = this.now() - this.retentionMs;
    if (this.all.length === 0 || this.all[0]!.announcedAtMs >= oldest) return; // kept in announcement order
    const expired = this.all.filter((announcement) => announcement.announcedAtMs < oldest);
    this.all = this.all.filter((announcement) => announcement.announcedAtMs >= oldest);
    for (const announcement of expired) {
      const slot = `${announcement.tableName}\n${announcement.key}`;
      const list = this.byKey.get(slot)?.filter((other) => other.announcedAtMs >= oldest);
      if (list === undefined || list.length === 0) this.byKey.delete(slot);
      else this.byKey.set(slot, list);
      if (announcement.sequenceNumber !== undefined) {
        this.bySequenceNumber.delete(`${announcement.tableName}\n${announcement.sequenceNumber}`);
      }
    }
  }
}

/** The keys as one string, independent of attribute order. */
export function canonicalKey(keys: Record<string, AttributeValue>): string {
  return JSON.stringify(Object.keys(keys).sort().map((name) => [name, keys[name]]));
}

function sameNumber(seen: string | undefined, expected: string): boolean {
  if (seen === undefined) return false;
  return seen === expected || Number(seen) === Number(expected);
}
