// The CEF extension dictionary: ArcSight's short key names, the full names ("Implementing ArcSight
// CEF", Revision 25, the Key Names table) and their data types. cef.extensions holds every key under
// its full name, as Elastic's decode_cef processor stores it (beats x-pack/filebeat/processors/
// decode_cef/cef/keys.go), so searches and rules written for Elastic's CEF integration find them.
// Keys the dictionary spells out only in full (deviceDirection, eventId...) are their own full name.

export type CefType = 'string' | 'integer' | 'long' | 'double' | 'ip' | 'mac' | 'timestamp';

export interface CefKey { readonly name: string; readonly type: CefType }

type Entry = readonly [short: string | undefined, name: string, type?: CefType];

/** [short key or undefined when the dictionary has none, full name, type (string when absent)]. */
const ENTRIES: readonly Entry[] = [
  ['agt', 'agentAddress', 'ip'],
  [undefined, 'agentDnsDomain'],
  ['ahost', 'agentHostName'],
  ['aid', 'agentId'],
  ['amac', 'agentMacAddress', 'mac'],
  [undefined, 'agentNtDomain'],
  ['art', 'agentReceiptTime', 'timestamp'],
  ['atz', 'agentTimeZone'],
  [undefined, 'agentTranslatedAddress', 'ip'],
  [undefined, 'agentTranslatedZoneExternalID'],
  [undefined, 'agentTranslatedZoneURI'],
  ['at', 'agentType'],
  ['av', 'agentVersion'],
  [undefined, 'agentZoneExternalID'],
  [undefined, 'agentZoneURI'],
  ['app', 'applicationProtocol'],
  ['cnt', 'baseEventCount', 'integer'],
  ['in', 'bytesIn', 'integer'],
  ['out', 'bytesOut', 'integer'],
  [undefined, 'customerExternalID'],
  [undefined, 'customerURI'],
  ['dst', 'destinationAddress', 'ip'],
  [undefined, 'destinationDnsDomain'],
  ['dlat', 'destinationGeoLatitude', 'double'],
  ['dlong', 'destinationGeoLongitude', 'double'],
  ['dhost', 'destinationHostName'],
  ['dmac', 'destinationMacAddress', 'mac'],
  ['dntdom', 'destinationNtDomain'],
  ['dpt', 'destinationPort', 'integer'],
  ['dpid', 'destinationProcessId', 'integer'],
  ['dproc', 'destinationProcessName'],
  [undefined, 'destinationServiceName'],
  [undefined, 'destinationTranslatedAddress', 'ip'],
  [undefined, 'destinationTranslatedPort', 'integer'],
  [undefined, 'destinationTranslatedZoneExternalID'],
  [undefined, 'destinationTranslatedZoneURI'],
  ['duid', 'destinationUserId'],
  ['duser', 'destinationUserName'],
  ['dpriv', 'destinationUserPrivileges'],
  [undefined, 'destinationZoneExternalID'],
  [undefined, 'destinationZoneURI'],
  ['act', 'deviceAction'],
  ['dvc', 'deviceAddress', 'ip'],
  ...numbered(4, (n) => [`cfp${n}`, `deviceCustomFloatingPoint${n}`, 'double']),
  ...numbered(2, (n) => [undefined, `deviceCustomDate${n}`, 'timestamp']),
  ...numbered(4, (n) => [`c6a${n}`, `deviceCustomIPv6Address${n}`, 'ip']),
  ...numbered(3, (n) => [`cn${n}`, `deviceCustomNumber${n}`, 'long']),
  ...numbered(6, (n) => [`cs${n}`, `deviceCustomString${n}`]),
  [undefined, 'deviceDirection', 'integer'],
  [undefined, 'deviceDnsDomain'],
  ['cat', 'deviceEventCategory'],
  [undefined, 'deviceExternalId'],
  [undefined, 'deviceFacility'],
  ['dvchost', 'deviceHostName'],
  [undefined, 'deviceInboundInterface'],
  ['dvcmac', 'deviceMacAddress', 'mac'],
  [undefined, 'deviceNtDomain'],
  [undefined, 'deviceOutboundInterface'],
  [undefined, 'devicePayloadId'],
  ['dvcpid', 'deviceProcessId', 'integer'],
  [undefined, 'deviceProcessName'],
  ['rt', 'deviceReceiptTime', 'timestamp'],
  ['dtz', 'deviceTimeZone'],
  [undefined, 'deviceTranslatedAddress', 'ip'],
  [undefined, 'deviceTranslatedZoneExternalID'],
  [undefined, 'deviceTranslatedZoneURI'],
  [undefined, 'deviceZoneExternalID'],
  [undefined, 'deviceZoneURI'],
  ['end', 'endTime', 'timestamp'],
  [undefined, 'eventId', 'long'],
  ['outcome', 'eventOutcome'],
  [undefined, 'externalId'],
  [undefined, 'fileCreateTime', 'timestamp'],
  [undefined, 'fileHash'],
  [undefined, 'fileId'],
  [undefined, 'fileModificationTime', 'timestamp'],
  ['fname', 'filename'],
  [undefined, 'filePath'],
  [undefined, 'filePermission'],
  ['fsize', 'fileSize', 'integer'],
  [undefined, 'fileType'],
  [undefined, 'flexDate1', 'timestamp'],
  [undefined, 'flexDate1Label'],
  ...numbered(2, (n) => [undefined, `flexNumber${n}`, 'long']),
  ...numbered(2, (n) => [undefined, `flexString${n}`]),
  ['msg', 'message'],
  [undefined, 'oldFileCreateTime', 'timestamp'],
  [undefined, 'oldFileHash'],
  [undefined, 'oldFileId'],
  [undefined, 'oldFileModificationTime', 'timestamp'],
  [undefined, 'oldFileName'],
  [undefined, 'oldFilePath'],
  [undefined, 'oldFilePermission'],
  [undefined, 'oldFileSize', 'integer'],
  [undefined, 'oldFileType'],
  [undefined, 'rawEvent'],
  [undefined, 'reason'],
  [undefined, 'requestClientApplication'],
  [undefined, 'requestContext'],
  [undefined, 'requestCookies'],
  [undefined, 'requestMethod'],
  ['request', 'requestUrl'],
  ['src', 'sourceAddress', 'ip'],
  [undefined, 'sourceDnsDomain'],
  ['slat', 'sourceGeoLatitude', 'double'],
  ['slong', 'sourceGeoLongitude', 'double'],
  ['shost', 'sourceHostName'],
  ['smac', 'sourceMacAddress', 'mac'],
  ['sntdom', 'sourceNtDomain'],
  ['spt', 'sourcePort', 'integer'],
  ['spid', 'sourceProcessId', 'integer'],
  ['sproc', 'sourceProcessName'],
  [undefined, 'sourceServiceName'],
  [undefined, 'sourceTranslatedAddress', 'ip'],
  [undefined, 'sourceTranslatedPort', 'integer'],
  [undefined, 'sourceTranslatedZoneExternalID'],
  [undefined, 'sourceTranslatedZoneURI'],
  ['suid', 'sourceUserId'],
  ['suser', 'sourceUserName'],
  ['spriv', 'sourceUserPrivileges'],
  [undefined, 'sourceZoneExternalID'],
  [undefined, 'sourceZoneURI'],
  ['start', 'startTime', 'timestamp'],
  ['proto', 'transportProtocol'],
  [undefined, 'type', 'integer'],
  // ArcSight categorisation and manager keys that the Key Names table leaves out but connectors
  // send; decode_cef knows them too.
  ['catdt', 'categoryDeviceType'],
  ['mrt', 'managerReceiptTime', 'timestamp'],
];

function numbered(count: number, entry: (n: number) => Entry): Entry[] {
  const entries: Entry[] = [];
  for (let n = 1; n <= count; n++) {
    const [short, name, type] = entry(n);
    entries.push([short, name, type]);
    // Every custom field has its label: a string naming what the vendor put in it.
    entries.push([short && `${short}Label`, `${name}Label`]);
  }
  return entries;
}

/** Every key as it may arrive (short key or full name) → its full name and type. */
export const CEF_KEYS: ReadonlyMap<string, CefKey> = (() => {
  const keys = new Map<string, CefKey>();
  for (const [short, name, type = 'string'] of ENTRIES) {
    const key: CefKey = { name, type };
    keys.set(name, key);
    if (short !== undefined) keys.set(short, key);
  }
  return keys;
})();

/** Full name → type, for the index template: one list of typed fields for the parser and the mapping. */
export function typedFullNames(): Array<[name: string, type: Exclude<CefType, 'string' | 'mac'>]> {
  const out = new Map<string, Exclude<CefType, 'string' | 'mac'>>();
  for (const { name, type } of CEF_KEYS.values()) if (type !== 'string' && type !== 'mac') out.set(name, type);
  return [...out];
}
