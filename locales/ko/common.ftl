# 모든 페이지에 공통: 메뉴, 바닥글, 언어 전환, 오류 제목.

site-name = session-auth
nav-main = 주 메뉴
nav-skip = 본문으로 건너뛰기
nav-home = 홈
nav-dashboard = 대시보드
nav-account = 계정
nav-logout = 로그아웃
nav-login = 로그인
nav-register = 회원가입
footer-text = session-auth · 세션은 서명되고 암호화된 쿠키에 저장됩니다
lang-switch = 언어
lang-switch-button = 언어 바꾸기

status-400 = 잘못된 요청
status-401 = 로그인 필요
status-403 = 접근 거부
status-404 = 페이지를 찾을 수 없음
status-405 = 허용되지 않는 메서드
status-409 = 충돌
status-413 = 요청이 너무 큼
status-415 = 지원하지 않는 미디어 유형
status-422 = 처리할 수 없는 입력
status-429 = 요청이 너무 많음
status-500 = 서버 내부 오류
status-503 = 서비스를 이용할 수 없음
error-eyebrow = 오류 { $status }
error-back-home = 홈으로 돌아가기
page-welcome-title = 환영합니다
